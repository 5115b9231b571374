"""The requests the review page makes, sent over HTTP to a review server (`ReviewServer`) as the
page sends them: for the tests that talk to the real server without a browser."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.review_browser import ReviewServer


class Page:
    """The requests the review page makes, with the token it was given in its URL."""

    def __init__(self, url: str) -> None:
        self.base, self.token = url.split("/?token=")

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"X-Review-Token": self.token}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers,
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return e.code, json.loads(body)
            except ValueError:  # a handler that raised: Starlette's plain "Internal Server Error"
                return e.code, {"error": body.decode("utf-8", "replace")}

    def decide(self, game: str, item: dict, status: str, client: str = "test") -> dict:
        """As the page's accept and reject keys send them: the item's own label and segment."""
        state = item["state"]
        code, answer = self.call("POST", f"/api/games/{game}/items/{item['id']}/decision",
                                 {"status": status, "label": state["label"],
                                  "start_s": state["start_s"], "end_s": state["end_s"],
                                  "reviewer": "Ada", "client": client})
        assert code == 200, answer
        return answer


def with_server_log(answer: dict, server: ReviewServer) -> str:
    """A failed call's answer with what the server wrote to stderr (the traceback of a handler
    that raised), the server stopped first."""
    server.kill()
    return f"{answer}\nthe server's stderr:\n{server.stderr}"
