"""A review: the games, their items and the decisions made on them, joined into item states.

An item's state is what the reviewer last decided (status, label, segment), or `pending` with
the model's proposal while nobody has. Missed events marked by the reviewer are items of their
own (`m-...`), which exist while their marking decision stands.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

from highlights.review.errors import ReviewError
from highlights.vocabulary import NONE_LABEL
from highlights.review.games import Game, Item, same_video
from highlights.review.store import Decision, DecisionStore

ORDERS = ("uncertainty", "time")
# A missed event marked by the reviewer is an item of its own: its id starts with this, where the
# run's items are `h...` and `c...`.
MISSED_PREFIX = "m-"
# `highlights.json` stores times to the millisecond, so a highlight that ends with the video can
# end up to half a millisecond after the duration the same file states.
STORED_TIME_PRECISION_S = 0.0005


def _only_pushed_inside(standing, proposed_key: float | None) -> bool:
    """Whether a standing decision's key moment is the proposed one, or that moment pushed inside
    the decision's segment (a start or end moved past it), rather than one the reviewer set."""
    if proposed_key is None:
        return False
    pushed = min(max(float(proposed_key), float(standing.start_s)), float(standing.end_s))
    return abs(float(standing.key_s) - pushed) <= STORED_TIME_PRECISION_S


@dataclass(frozen=True)
class Outcome:
    """What an item's decision means for training data."""

    label: str  # the class its clip is filed under (`rejected_as`, `none` by default, for a rejection)
    category: str  # accepted | relabelled | rejected | missed


def outcome_of(kind: str, proposed_label: str, decision: Decision, rejected_as: str = NONE_LABEL) -> Outcome:
    """What `decision` on an item makes of it; a rejected one is filed under `rejected_as` (a model
    of a club's own classes may call its background play `rest`, and have no `none`)."""
    if decision.status == "rejected":
        return Outcome(rejected_as, "rejected")
    if kind in ("candidate", "missed"):
        return Outcome(decision.label or proposed_label, "missed")
    label = decision.label or proposed_label
    return Outcome(label, "relabelled" if label != proposed_label else "accepted")


class ReviewSession:
    def __init__(self, games: list[Game], store: DecisionStore) -> None:
        self.games = games
        self.store = store
        self._by_id = {g.id: g for g in games}

    def game(self, game_id: str) -> Game:
        try:
            return self._by_id[game_id]
        except KeyError:
            raise ReviewError(f"no game {game_id!r} in this review") from None

    def _current(self, game: Game) -> dict[tuple[str, str], Decision]:
        """The decisions standing for `game`'s items: those made on its video (or before decisions
        named theirs). One made on another video under the same game id is not this game's."""
        return {key: d for key, d in self.store.current(game.id).items()
                if not d.video or same_video(d.video, game.video_identity)}

    def foreign_decisions(self) -> dict[str, tuple[int, str]]:
        """Per game, how many standing decisions under its id were made on another video, and that
        video's path: left out of this review (`_current`)."""
        out: dict[str, tuple[int, str]] = {}
        for (gid, _), d in self.store.current().items():
            game = self._by_id.get(gid)
            if game is not None and d.video and not same_video(d.video, game.video_identity):
                n, _ = out.get(gid, (0, ""))
                out[gid] = (n + 1, d.video.partition(":")[2])
        return out

    def stale_decisions(self) -> dict[str, int]:
        """Per game, standing decisions made on another detect run of it (its highlights.json has
        changed since): their item ids may now name other items."""
        out: dict[str, int] = {}
        for (gid, item), d in self.store.current().items():
            game = self._by_id.get(gid)
            if (game is not None and d.run and d.run != game.fingerprint and not item.startswith(MISSED_PREFIX)
                    and (not d.video or same_video(d.video, game.video_identity))):
                out[gid] = out.get(gid, 0) + 1
        return out

    # -- states
    def _missed_items(self, game: Game, current: dict[tuple[str, str], Decision]) -> list[Item]:
        out = []
        for (gid, item_id), d in current.items():
            if gid == game.id and item_id.startswith(MISSED_PREFIX):
                out.append(Item(id=item_id, kind="missed", label=d.label or "", start_s=d.start_s,
                                end_s=d.end_s, key_s=d.key_s if d.key_s is not None else d.start_s,
                                score=0.0, uncertainty=1.0))
        return out

    def item_state(self, game: Game, item: Item, decision: Decision | None) -> dict[str, Any]:
        out = item.to_dict()
        if decision is None:
            out["state"] = {"status": "pending", "label": item.label, "start_s": item.start_s,
                            "end_s": item.end_s, "key_s": item.key_s}
        else:
            out["state"] = {"status": decision.status, "label": decision.label, "start_s": decision.start_s,
                            "end_s": decision.end_s, "key_s": decision.key_s, "reviewer": decision.reviewer,
                            "decided_at": decision.decided_at, "decision_id": decision.id,
                            "client": decision.client,
                            "outcome": outcome_of(item.kind, item.label, decision).category}
        out["game"] = game.id
        return out

    def states(self, game_id: str) -> list[dict[str, Any]]:
        game = self.game(game_id)
        current = self._current(game)
        # Windows this review does not offer that a review offering more candidates decided: their
        # decisions stand (and are exported) whatever --candidates this one was given.
        beyond = [game.unoffered[item] for (_, item) in current if item in game.unoffered]
        items = game.items + beyond + self._missed_items(game, current)
        return [self.item_state(game, it, current.get((game.id, it.id))) for it in items]

    def page(self, game_id: str, *, offset: int = 0, limit: int = 50, order: str = "uncertainty") -> dict[str, Any]:
        if order not in ORDERS:
            raise ReviewError(f"unknown order {order!r}; expected one of {', '.join(ORDERS)}")
        states = self.states(game_id)
        if order == "uncertainty":
            # Missed events the reviewer added come first (they are the newest work), then the
            # model's least certain items.
            states.sort(key=lambda s: (s["kind"] != "missed", -s["uncertainty"], s["start_s"]))
        else:
            states.sort(key=lambda s: (s["state"]["start_s"], s["id"]))
        offset, limit = max(0, int(offset)), max(1, min(int(limit), 500))
        # Where in this order the first item not decided yet is (None: all are), so a page opened
        # again can go on there when every item of its first page is decided.
        first_pending = next((i for i, s in enumerate(states) if s["state"]["status"] == "pending"), None)
        return {"game": game_id, "total": len(states), "offset": offset, "order": order,
                "first_pending": first_pending, "items": states[offset:offset + limit]}

    def one(self, game_id: str, item_id: str) -> dict[str, Any]:
        game = self.game(game_id)
        current = self._current(game)
        item = game.by_id.get(item_id) or game.unoffered.get(item_id)
        if item is None:
            item = next((m for m in self._missed_items(game, current) if m.id == item_id), None)
        if item is None:
            return {"id": item_id, "game": game_id, "kind": "missed", "state": {"status": "gone"}}
        return self.item_state(game, item, current.get((game.id, item.id)))

    def counts(self, game_id: str) -> dict[str, int]:
        states = self.states(game_id)
        tally = {"pending": 0, "accepted": 0, "relabelled": 0, "rejected": 0, "missed": 0}
        for s in states:
            key = s["state"].get("outcome", "pending")
            tally[key] = tally.get(key, 0) + 1
        tally["total"] = len(states)
        return tally

    # -- decisions
    def _check(self, game: Game, status: str, label: str | None, start_s: float, end_s: float) -> None:
        if status == "accepted" and label not in game.classes:
            raise ReviewError(f"unknown class {label!r}; this review's classes are {', '.join(game.classes)}")
        first = min(game.first_picture_s, game.duration_s)
        if not (first <= start_s < end_s <= game.duration_s + STORED_TIME_PRECISION_S + 1e-9):
            raise ReviewError(f"segment {start_s:.3f}-{end_s:.3f} s is not inside the video "
                              f"({first:.3f}-{game.duration_s:.3f} s, first picture to end)")

    def decide(self, game_id: str, item_id: str, *, status: str, label: str | None, start_s: float,
               end_s: float, reviewer: str, client: str = "", key_s: float | None = None) -> dict[str, Any]:
        game = self.game(game_id)
        item = game.by_id.get(item_id) or game.unoffered.get(item_id)
        standing = self._current(game).get((game.id, item_id))
        if item is None and (not item_id.startswith(MISSED_PREFIX) or standing is None):
            raise ReviewError(f"no item {item_id!r} in game {game_id!r}")
        # A decision that names no key moment keeps the one standing: a key moment the reviewer
        # moved stays where they put it when the item is relabelled or its end moved after. One
        # that is only the proposed moment pushed inside a segment trimmed past it is not theirs:
        # the segment widened again gives the proposed moment back.
        proposed_key = item.key_s if item is not None else None
        if standing is not None and standing.key_s is not None and not _only_pushed_inside(
                standing, proposed_key):
            proposed_key = standing.key_s
        label = label if status == "accepted" else (label or (item.label if item else None))
        # No picture before the first one (later than 0 s where the sound starts first): a start
        # moved before it (a page's key, a window proposed from 0 s) starts there, as detect's
        # highlights do.
        start_s = max(float(start_s), min(game.first_picture_s, game.duration_s))
        self._check(game, status, label, float(start_s), float(end_s))
        end_s = min(float(end_s), game.duration_s)
        key = key_s if key_s is not None else proposed_key
        if key is not None:
            key = min(max(float(key), float(start_s)), float(end_s))
        made = self.store.decide(game.id, item_id, status=status, label=label, start_s=start_s, end_s=end_s,
                                 key_s=key, reviewer=reviewer, client=client, run=game.fingerprint,
                                 video=game.video_identity)
        # The item's state is read after the write: another tab's decision saved in between is the
        # one that stands, so the decision this call made (the one its tab may undo) is named apart.
        return {**self.one(game_id, item_id), "decision_id": made.id}

    def move_key(self, game_id: str, item_id: str, *, key_s: float, reviewer: str,
                 client: str = "") -> dict[str, Any]:
        """The item's key moment moved to `key_s`, and its segment with it: centred on the new
        moment, its length kept (moved inside the video where an end of it is nearer than half
        that length). The clip the export cuts is that segment, so it is cut around the moment the
        reviewer set. The item keeps its label; a rejected one stays rejected, any other is
        accepted (as a moved start or end is)."""
        game = self.game(game_id)
        if not math.isfinite(float(key_s)):
            raise ReviewError(f"a key moment must be a time in seconds, not {key_s}")
        state = self.one(game_id, item_id)["state"]
        if state["status"] == "gone":
            raise ReviewError(f"no item {item_id!r} in game {game_id!r}")
        first = min(game.first_picture_s, game.duration_s)
        key = min(max(float(key_s), 0.0), game.duration_s)
        length = min(float(state["end_s"]) - float(state["start_s"]), game.duration_s - first)
        start = min(max(key - length / 2, first), game.duration_s - length)
        status = "rejected" if state["status"] == "rejected" else "accepted"
        return self.decide(game_id, item_id, status=status, label=state["label"],
                           start_s=round(start, 3), end_s=round(start + length, 3),
                           key_s=round(key, 3), reviewer=reviewer, client=client)

    def mark_missed(self, game_id: str, *, at_s: float, label: str, reviewer: str, client: str = "",
                    start_s: float | None = None, end_s: float | None = None) -> dict[str, Any]:
        """A missed event at `at_s`: its segment `start_s`-`end_s`, or the one the game's detect
        run gives a highlight keyed there (`HighlightFit.around`), so its clip is as long as the
        highlights' clips."""
        game = self.game(game_id)
        # No picture before the first one: a playhead there (the page's player starts at 0 s) marks
        # it, so the key moment lies inside the segment fitted from it, as an annotation's must.
        first = min(game.first_picture_s, game.duration_s)
        at_s = min(max(float(at_s), first), game.duration_s)
        fitted = game.highlight_fit.around(at_s, game.duration_s, game.first_picture_s)
        start = round(fitted[0], 3) if start_s is None else max(float(start_s), first)
        end = round(fitted[1], 3) if end_s is None else float(end_s)
        self._check(game, "accepted", label, start, end)
        item_id = MISSED_PREFIX + uuid.uuid4().hex[:10]
        made = self.store.decide(game.id, item_id, status="accepted", label=label, start_s=start, end_s=end,
                                 key_s=at_s, reviewer=reviewer, client=client, run=game.fingerprint,
                                 video=game.video_identity)
        return {**self.one(game_id, item_id), "decision_id": made.id}

    def undo(self, decision_id: int, *, reviewer: str, client: str = "") -> dict[str, Any]:
        row = self.store.undo(decision_id, reviewer=reviewer, client=client)
        return self.one(row.game, row.item)

    def changes(self, since: int) -> dict[str, Any]:
        rows = self.store.changes_since(since)
        seen: dict[tuple[str, str], Decision] = {}
        for r in rows:
            if r.game in self._by_id:
                seen[(r.game, r.item)] = r
        return {"last_id": rows[-1].id if rows else since,
                "changes": [{**self.one(g, i), "by": r.reviewer, "by_client": r.client, "row": r.id,
                             "undo": r.undoes is not None}
                            for (g, i), r in seen.items()]}
