"""Review decisions in SQLite: one row per decision, written the moment it is made.

Every decision row holds the item's whole state after it (status, label, start, end, key
moment), the reviewer, the time and the tab (client) that made it, so the current state of an
item is simply its latest row that has not been undone: two tabs deciding on the same item
cannot leave it half of one and half of the other, and the later decision wins. An undo is a row
of its own naming the decision it takes back; nothing is ever deleted or rewritten.

WAL mode with `synchronous=FULL`: a committed decision survives a killed server or a power cut,
and readers (the export, another tab's poll) never block the writer.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from highlights.atomic import DiskFullError
from highlights.review.errors import ReviewError
from highlights.review.stored_decision import check_stored_decision

STATUSES = ("accepted", "rejected")
SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    game TEXT NOT NULL,
    item TEXT NOT NULL,
    status TEXT,            -- accepted | rejected; NULL on an undo row
    label TEXT,
    start_s REAL,
    end_s REAL,
    key_s REAL,
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    client TEXT NOT NULL DEFAULT '',
    undoes INTEGER REFERENCES decisions(id),
    run TEXT NOT NULL DEFAULT '',  -- sha256 of the highlights.json the item came from
    video TEXT NOT NULL DEFAULT '' -- the game's video: "SIZE:PATH" (`games.video_identity`)
);
CREATE INDEX IF NOT EXISTS decisions_by_game ON decisions (game, id);
CREATE INDEX IF NOT EXISTS decisions_undoes ON decisions (undoes);
CREATE TABLE IF NOT EXISTS review (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Decision:
    id: int
    game: str
    item: str
    status: str | None
    label: str | None
    start_s: float | None
    end_s: float | None
    key_s: float | None
    reviewer: str
    decided_at: str
    client: str
    undoes: int | None
    run: str
    video: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# SQLite's result codes (the low byte of an extended one) that are the disk's or the folder's fault,
# not the database file's.
_SQLITE_READONLY, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 13, 14
# Another connection holds the write lock (SQLite's "database is locked"): another process writing
# the same file for longer than the busy timeout.
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
# How long a write waits for another process's write to end before it is refused.
BUSY_TIMEOUT_MS = 5000


def _disk_or_folder_error(path: Path, error: sqlite3.Error) -> Exception | None:
    """The one-line error for a database that cannot be written where it lies (a full disk, a
    read-only folder) or not now (another process writing it), or None where the fault is the
    file's: SQLite says "database or disk is full", "unable to open database file" and "database
    is locked", which read as a damaged database or a fault of the review."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code == _SQLITE_FULL:
        return DiskFullError(path)
    if code in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
        return ReviewError(f"{path}: the review's decisions cannot be written there ({error}): give --db a "
                           "file in a folder that can be written")
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return ReviewError(f"{path}: another process has held the review's decisions for writing "
                           f"for over {BUSY_TIMEOUT_MS / 1000:g} s (another `highlights review` "
                           "or a Label Studio import on the same --db?): nothing was written; "
                           "try again")
    return None


class DecisionStore:
    """The decisions of one review, in one SQLite file. Safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        made = not self.path.exists()
        self._db = None
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
            self._db.executescript(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(decisions)")}
            if "video" not in columns:  # a review database made before decisions named their video
                self._db.execute("ALTER TABLE decisions ADD COLUMN video TEXT NOT NULL DEFAULT ''")
        except sqlite3.DatabaseError as e:
            if self._db is not None:
                self._db.close()  # the store is refused: nothing else would close its handle
            said = _disk_or_folder_error(self.path, e)
            if said is None:
                raise ReviewError(f"{self.path}: not a review database ({e})") from None
            if made:  # the empty file a full disk left is no review
                for left in (self.path, *(self.path.with_name(self.path.name + end) for end in ("-wal", "-shm"))):
                    try:
                        left.unlink(missing_ok=True)
                    except OSError:
                        pass  # (a read-only folder, where none was made)
            raise said from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> "DecisionStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def token(self, new: Callable[[], str]) -> str:
        """The review's access token: made by `new()` the first time this database serves a review,
        then kept in it, so that a review started again on the same database has the same address
        (a bookmark, or a tab left open across the restart, goes on working). Whoever can read the
        database can read it, as they can read every decision in it."""
        with self._lock:
            try:
                self._db.execute("INSERT OR IGNORE INTO review (key, value) VALUES ('token', ?)", (new(),))
            except sqlite3.OperationalError as e:  # another process writing: said as a decision's is
                raise _disk_or_folder_error(self.path, e) or e from None
            return str(self._db.execute("SELECT value FROM review WHERE key = 'token'").fetchone()[0])

    def set_note(self, key: str, value: str | None) -> None:
        """Keeps `value` under `key` among the review's own notes (None: removes it): what the
        review keeps beside its decisions, as the token (`token`), an export under way."""
        with self._lock:
            try:
                if value is None:
                    self._db.execute("DELETE FROM review WHERE key = ?", (key,))
                else:
                    self._db.execute("INSERT OR REPLACE INTO review (key, value) VALUES (?, ?)",
                                     (key, value))
            except sqlite3.OperationalError as e:  # said as a decision's is
                raise _disk_or_folder_error(self.path, e) or e from None

    def note(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM review WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- writing
    def decide(self, game: str, item: str, *, status: str, label: str | None, start_s: float,
               end_s: float, key_s: float | None, reviewer: str, client: str = "", run: str = "",
               decided_at: str | None = None, video: str = "") -> Decision:
        if status not in STATUSES:
            raise ReviewError(f"unknown decision {status!r}; expected one of {', '.join(STATUSES)}")
        reviewer = (reviewer or "").strip()
        if not reviewer:
            raise ReviewError("a decision needs the reviewer's name")
        if not end_s > start_s:
            raise ReviewError(f"item {item}: end {end_s} s is not after start {start_s} s")
        return self._insert(game, item, status, label, float(start_s), float(end_s),
                            None if key_s is None else float(key_s), reviewer, client, None, run,
                            decided_at or utc_now(), video)

    def undo(self, decision_id: int, *, reviewer: str, client: str = "") -> Decision:
        """Take back one decision; the item returns to its latest decision still standing."""
        target = self.get(decision_id)
        if target is None or target.undoes is not None:
            raise ReviewError(f"decision {decision_id}: no such decision to undo")
        if self._undone(decision_id):
            raise ReviewError(f"decision {decision_id}: already undone")
        return self._insert(target.game, target.item, None, None, None, None, None,
                            (reviewer or "").strip() or target.reviewer, client, decision_id, target.run,
                            utc_now(), target.video)

    def _insert(self, *values) -> Decision:
        with self._lock:
            try:
                cur = self._db.execute(
                    "INSERT INTO decisions (game, item, status, label, start_s, end_s, key_s, reviewer,"
                    " client, undoes, run, decided_at, video) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", values)
            except sqlite3.OperationalError as e:  # not kept: the reviewer is told why, in one line
                raise _disk_or_folder_error(self.path, e) or e from None
            row = self._db.execute("SELECT * FROM decisions WHERE id = ?", (cur.lastrowid,)).fetchone()
        return Decision(*row)

    # -- reading
    def get(self, decision_id: int) -> Decision | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM decisions WHERE id = ?", (int(decision_id),)).fetchone()
        return Decision(*row) if row else None

    def _undone(self, decision_id: int) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM decisions WHERE undoes = ?", (decision_id,)).fetchone() is not None

    def history(self, game: str | None = None) -> list[Decision]:
        """Every row, oldest first (of one game, or of all)."""
        with self._lock:
            if game is None:
                rows = self._db.execute("SELECT * FROM decisions ORDER BY id").fetchall()
            else:
                rows = self._db.execute("SELECT * FROM decisions WHERE game = ? ORDER BY id", (game,)).fetchall()
        return [Decision(*r) for r in rows]

    def current(self, game: str | None = None) -> dict[tuple[str, str], Decision]:
        """(game, item) -> the decision that stands for it: its latest one not undone."""
        with self._lock:
            where, args = ("AND d.game = ?", (game,)) if game is not None else ("", ())
            rows = self._db.execute(
                "SELECT d.* FROM decisions d WHERE d.undoes IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.undoes = d.id) " + where +
                " ORDER BY d.id", args).fetchall()
        out: dict[tuple[str, str], Decision] = {}
        for r in rows:
            d = Decision(*r)
            check_stored_decision(self.path, d, STATUSES)
            out[(d.game, d.item)] = d  # later rows replace earlier ones: the last decision wins
        return out

    def changes_since(self, after_id: int, game: str | None = None) -> list[Decision]:
        with self._lock:
            if game is None:
                rows = self._db.execute("SELECT * FROM decisions WHERE id > ? ORDER BY id", (after_id,)).fetchall()
            else:
                rows = self._db.execute("SELECT * FROM decisions WHERE id > ? AND game = ? ORDER BY id",
                                        (after_id, game)).fetchall()
        return [Decision(*r) for r in rows]

    def last_id(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(id) FROM decisions").fetchone()
        return int(row[0] or 0)
