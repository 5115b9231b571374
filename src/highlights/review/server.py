"""The review web app: one self-contained page and a small JSON API over a `ReviewSession`.

Security: every request needs the review's random token (kept in its decisions database, so the
same on every start: `DecisionStore.token`; `?token=` on page and media URLs, the
`X-Review-Token` header on API calls; state-changing requests accept the header only, so a link
or a form on another site cannot make a decision). Media are served only from the review's own
files: each game's source video (or its browser copy, `playback`), and files under its detect
folder, resolved and checked against that folder. The page fills every name and label in with
`textContent`, never as HTML.
"""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from highlights.errors import HighlightsError
from highlights.review.errors import ReviewError
from highlights.review.export_lock import ExportLock, ExportRunning
from highlights.review.playback import BrowserCopies, Playback
from highlights.review.session import ReviewSession
from highlights.review.thumbnails import Thumbnails

TOKEN_HEADER = "X-Review-Token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def page_html() -> str:
    return resources.files("highlights.review").joinpath("static/review.html").read_text(encoding="utf-8")


def create_app(session: ReviewSession, token: str, *, reviewer: str = "",
               export: Callable[[], dict[str, Any]] | None = None,
               playback: Mapping[str, Playback] | BrowserCopies | None = None,
               export_lock: ExportLock | None = None):
    """The FastAPI app. `export` (no arguments) runs the configured export for the page's button,
    one at a time under `export_lock` (default: this server's own, for no dataset root);
    `playback` says, per game id, what its player plays (`review.playback`: fixed `Playback`s, or
    `BrowserCopies`, whose copies become ready while the review runs, the copy of the game whose
    video the page asks for first; default: the source)."""
    playing, opened = _playback_lookups(playback)
    app = FastAPI(title="highlights review", docs_url=None, redoc_url=None, openapi_url=None)
    thumbs = Thumbnails()
    html = page_html()
    _guard(app, token)
    _add_page(app, html)
    _add_reading_api(app, session, reviewer, export, playing)
    _add_decision_api(app, session)
    _add_export(app, export, export_lock or ExportLock())
    _add_media(app, session, playing, opened, thumbs)
    return app


def _playback_lookups(playback: Mapping[str, Playback] | BrowserCopies | None
                      ) -> tuple[Callable[[str], Playback | None], Callable[[str], None]]:
    """(what a game's player plays now, None: its source; what to call when the page opens a game)."""
    if isinstance(playback, BrowserCopies):
        return playback.current, playback.want
    fixed = dict(playback or {})
    return fixed.get, (lambda game_id: None)


def _guard(app: FastAPI, token: str) -> None:
    """Every request is checked for the token and answered with the page's security headers; a
    user's error becomes a 400 with its one line."""

    def _token_ok(request: Request, *, header_only: bool) -> bool:
        given = request.headers.get(TOKEN_HEADER)
        if given is None and not header_only:
            given = request.query_params.get("token")
        return given is not None and secrets.compare_digest(given.encode(), token.encode())

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        if request.url.path == "/favicon.ico" and request.method in ("GET", "HEAD"):
            # Browsers ask for it on their own, without the token: "no icon", not a 403 that the
            # page's console reports as an error.
            return Response(status_code=204)
        changes_state = request.method not in ("GET", "HEAD", "OPTIONS")
        if not _token_ok(request, header_only=changes_state):
            return JSONResponse({"error": "forbidden: this review needs its token"}, status_code=403)
        nonce = secrets.token_urlsafe(16)
        request.state.nonce = nonce
        response = await call_next(request)
        # Only the page's own script runs (by nonce): even a name that slipped past the escaping
        # could not execute. The page never needs another origin, nor to be framed.
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; img-src 'self'; media-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"script-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(HighlightsError)
    async def user_error(request: Request, exc: HighlightsError):
        # A bad decision, or an export the dataset code refuses (a label the parent lacks, a
        # version that is not there): the page shows the one line.
        return JSONResponse({"error": " ".join(str(exc).split())}, status_code=400)

    @app.exception_handler(Exception)
    async def server_fault(request: Request, exc: Exception):
        # A fault of the server, not of the reviewer's input: Starlette's own answer is a bare
        # "Internal Server Error" in plain text, which the page cannot read and shows as
        # "HTTP 500". The page gets one line naming what failed; the traceback still goes to the
        # terminal (Starlette raises the error again once this answer is sent, and uvicorn logs it).
        return JSONResponse({"error": server_fault_line(request, exc)}, status_code=500,
                            headers={"X-Content-Type-Options": "nosniff"})


def server_fault_line(request: Request, exc: Exception) -> str:
    """The one line the page shows for a request the server failed on."""
    said = " ".join(str(exc).split()) or "no message"
    return (f"the review server failed on {request.method} {request.url.path} "
            f"({type(exc).__name__}: {said}); its terminal shows where")


def _add_page(app: FastAPI, html: str) -> None:
    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        return HTMLResponse(html.replace("__NONCE__", request.state.nonce), headers={"Cache-Control": "no-store"})


def _add_reading_api(app: FastAPI, session: ReviewSession, reviewer: str,
                     export: Callable[[], dict[str, Any]] | None,
                     playing: Callable[[str], Playback | None]) -> None:
    """The games, what each one's player plays, a page of a game's items and its whole timeline."""

    def video_state(game_id: str) -> dict[str, Any]:
        now = playing(game_id)
        if now is None:
            return {"video_note": "", "video_state": "source", "video_done": 0.0}
        return {"video_note": now.note, "video_state": now.state, "video_done": round(now.done, 3)}

    @app.get("/api/games")
    def games() -> dict[str, Any]:
        return {"games": [{**g.summary(), "counts": session.counts(g.id), **video_state(g.id)}
                          for g in session.games],
                "reviewer": reviewer, "export": export is not None, "last_id": session.store.last_id()}

    @app.get("/api/playback")
    def playback_states() -> dict[str, Any]:
        # Polled by the page while a browser copy is being made, to say how far it is and to
        # switch the player to the copy when it is whole.
        return {"games": {g.id: video_state(g.id) for g in session.games}}

    @app.get("/api/games/{game_id}/items")
    def items(game_id: str, offset: int = 0, limit: int = 50, order: str = "uncertainty") -> dict[str, Any]:
        return {**session.page(game_id, offset=offset, limit=limit, order=order),
                "counts": session.counts(game_id)}

    @app.get("/api/games/{game_id}/timeline")
    def timeline(game_id: str) -> dict[str, Any]:
        # Compact rows for the whole game's timeline: [id, kind, start, end, outcome, label]. The
        # outcome, as the list's badges show it: by the status alone, a relabelled highlight and a
        # turned-down window taken as a miss were drawn as accepted.
        rows = [[s["id"], s["kind"], s["state"]["start_s"], s["state"]["end_s"],
                 s["state"].get("outcome", s["state"]["status"]), s["state"]["label"]]
                for s in session.states(game_id)]
        return {"game": game_id, "duration_s": session.game(game_id).duration_s, "rows": rows}


def _add_decision_api(app: FastAPI, session: ReviewSession) -> None:
    """A decision on an item, its key moment moved, a missed event, an undo, and the changes since
    a decision id."""

    @app.post("/api/games/{game_id}/items/{item_id}/decision")
    def decide(game_id: str, item_id: str, body: dict = Body(...)) -> dict[str, Any]:
        try:
            return session.decide(game_id, item_id, status=str(body["status"]), label=body.get("label"),
                                  start_s=float(body["start_s"]), end_s=float(body["end_s"]),
                                  key_s=body.get("key_s"), reviewer=str(body.get("reviewer") or ""),
                                  client=str(body.get("client") or ""))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, ReviewError):
                raise
            raise HTTPException(400, f"bad decision ({type(e).__name__}: {e})") from None

    @app.post("/api/games/{game_id}/items/{item_id}/key")
    def move_key(game_id: str, item_id: str, body: dict = Body(...)) -> dict[str, Any]:
        try:
            return session.move_key(game_id, item_id, key_s=float(body["key_s"]),
                                    reviewer=str(body.get("reviewer") or ""),
                                    client=str(body.get("client") or ""))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, ReviewError):
                raise
            raise HTTPException(400, f"bad key moment ({type(e).__name__}: {e})") from None

    @app.post("/api/games/{game_id}/missed")
    def missed(game_id: str, body: dict = Body(...)) -> dict[str, Any]:
        try:
            return session.mark_missed(game_id, at_s=float(body["at_s"]), label=str(body["label"]),
                                       reviewer=str(body.get("reviewer") or ""), client=str(body.get("client") or ""))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, ReviewError):
                raise
            raise HTTPException(400, f"bad missed event ({type(e).__name__}: {e})") from None

    @app.post("/api/undo")
    def undo(body: dict = Body(...)) -> dict[str, Any]:
        try:
            return session.undo(int(body["decision_id"]), reviewer=str(body.get("reviewer") or ""),
                                client=str(body.get("client") or ""))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, ReviewError):
                raise
            raise HTTPException(400, f"bad undo ({type(e).__name__}: {e})") from None

    @app.get("/api/changes")
    def changes(since: int = 0) -> dict[str, Any]:
        return session.changes(since)


def _add_export(app: FastAPI, export: Callable[[], dict[str, Any]] | None,
                export_lock: ExportLock) -> None:
    """The page's export button: one export at a time (`ExportLock`), a click meanwhile refused
    with the one line that says whose export runs, for how long, and how to end a hung one."""

    @app.post("/api/export")
    def run_export() -> dict[str, Any]:
        if export is None:
            raise HTTPException(400, "this review was started without --to-dataset; export from the command "
                                     "line with `highlights review export`")
        try:
            with export_lock.held():
                return export()
        except ExportRunning as e:
            raise HTTPException(409, str(e)) from None


def _add_media(app: FastAPI, session: ReviewSession, playing: Callable[[str], Playback | None],
               opened: Callable[[str], None], thumbs: Thumbnails) -> None:
    """A game's video (or its browser copy), a file of its detect folder, an item's thumbnail."""

    @app.get("/media/{game_id}/video")
    def video(game_id: str) -> FileResponse:
        game = session.game(game_id)
        opened(game_id)  # the page shows this game: its copy, if not made yet, is made next
        now = playing(game_id)
        if now is not None:
            return FileResponse(now.path, media_type=now.media_type)
        return FileResponse(game.video, media_type="video/mp4" if game.video.suffix.lower() in (".mp4", ".m4v")
                            else None)

    @app.get("/media/{game_id}/file/{path:path}")
    def folder_file(game_id: str, path: str) -> FileResponse:
        game = session.game(game_id)
        target = safe_path(game.folder, path)
        if target is None:
            raise HTTPException(404, "no such file in this review")
        return FileResponse(target)

    @app.get("/thumb/{game_id}/{item_id}.jpg")
    def thumbnail(game_id: str, item_id: str) -> Response:
        state = session.one(game_id, item_id)
        if "key_s" not in state.get("state", {}):
            raise HTTPException(404, "no such item")
        data = thumbs.jpeg(session.game(game_id).video, state["state"]["key_s"] or state["state"]["start_s"])
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


def safe_path(folder: Path, requested: str) -> Path | None:
    """`requested` inside `folder`, or None: no absolute paths, no `..`, no link leading outside."""
    if not requested or "\x00" in requested or requested.startswith(("/", "\\")) or ":" in requested:
        return None
    parts = Path(requested).parts
    if any(p in ("..", ".") for p in parts) or "\\" in requested:
        return None
    root = folder.resolve()
    target = (root / requested).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target
