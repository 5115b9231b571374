"""An export under way, noted in the review's database until its last step is done.

An export makes its dataset version, then writes the games' reviewed annotations. One stopped
between the two (a killed server, a full disk, a request that failed) left a version the review
never heard of, and annotations an export behind: a decision undone since then made the next
export "nothing new" (every item still decided is in the parent), and the stopped export's work
was never finished. So each export notes, before it cuts a clip, its dataset root, the version it
grows and the versions the root held; it takes the note back once its annotations are written.
The next export of the review to that root finds the note: the version the stopped one made (the
one grown from the same parent since) is finished, or, where none was made, the export is done
again from the start.
"""

from __future__ import annotations

import json
from pathlib import Path

from highlights.datasets import list_versions, load_version
from highlights.review.store import DecisionStore

_NOTE = "export under way: "


def _key(root: Path) -> str:
    return _NOTE + str(Path(root).absolute())


def begin(store: DecisionStore, root: Path, parent: str | None) -> None:
    """Notes an export about to cut its clips into the next version of `root`, grown from
    `parent`."""
    store.set_note(_key(root), json.dumps({"parent": parent, "before": list_versions(root)}))


def done(store: DecisionStore, root: Path) -> None:
    """Takes the note back: the export's version and annotations are written (or it made
    nothing)."""
    store.set_note(_key(root), None)


def stopped(store: DecisionStore, root: Path) -> dict | None:
    """The note of an export to `root` that stopped before its last step: {"parent", "before"}."""
    text = store.note(_key(root))
    try:
        noted = json.loads(text) if text is not None else None
    except ValueError:
        return None
    return noted if isinstance(noted, dict) and isinstance(noted.get("before"), list) else None


def version_it_made(root: Path, noted: dict) -> str | None:
    """The version the stopped export made: the first grown from its parent since it began;
    None where it made none."""
    made = [name for name in list_versions(root) if name not in noted["before"]
            and load_version(root, name).meta.get("parent") == noted.get("parent")]
    return made[0] if made else None
