"""A `highlights detect` output folder built by hand over a short synthetic game.

The game comes from the project's generator (`highlights.synth`); its `highlights.json` is
written from the game's own annotation instead of running the pipeline, so the review tests know
exactly what is right: the first event is found with the right label, the second with the wrong
one, a false alarm sits where nothing happens, and the turned-down windows include one that was
nearly taken, plus sure negatives.
"""

from __future__ import annotations

import errno
import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import highlights.atomic as atomic
from highlights.events import load_annotation
from highlights.synth import GameConfig, generate_game

MODEL = "runs/v2/best.pt"
CLASSES = ("baseball_swing", "basketball_layup", "soccer_shooting", "none")


def _probs(top: str, p: float, second: str = "none") -> dict[str, float]:
    rest = (1.0 - p) * 0.8
    out = {c: round((1.0 - p - rest) / 2, 4) for c in CLASSES}
    out[top], out[second] = round(p, 4), round(rest, 4)
    return out


def _nearly_window(duration: float) -> tuple[float, float]:
    """The turned-down window the model nearly took: the first one starting 4 s or less before the end."""
    t = 0.0
    while t + 1.6 <= duration:
        if t >= duration - 4.0:
            return round(t, 3), round(t + 1.6, 3)
        t += 0.8
    raise AssertionError("the fixture's game is too short")


def _layout_fits(ann) -> bool:
    """Two events or more, the false alarm (1-3 s) before the first, the nearly-taken window on no highlight."""
    if len(ann.events) < 2 or ann.events[0].start_s - 0.3 < 3.0:
        return False
    window = _nearly_window(ann.duration_s)
    for e in ann.events[:2]:
        if max(0.0, min(window[1], e.end_s + 0.3) - max(window[0], e.start_s - 0.3)) > 0.0:
            return False
    return True


def make_detect_folder(root: Path, name: str = "game1", *, seed: int = 3, minutes: float = 0.3) -> Path:
    """`root/name-highlights/highlights.json` over `root/name.mp4`; returns the detect folder."""
    # The generator decides where events fall; take the first seed from `seed` on whose game has the
    # layout the tests rely on, so a change in the generator's composition does not break them.
    for tried in range(seed, seed + 20):
        files = generate_game(root, GameConfig(minutes=minutes, width=320, height=180, fps=15,
                                               events_per_minute=12, seed=tried, name=name))
        ann = load_annotation(files["annotation"])
        if _layout_fits(ann):
            break
    else:
        raise AssertionError(f"no seed in {seed}..{seed + 19} gives the review fixture's layout")
    duration = ann.duration_s
    first, second = ann.events[0], ann.events[1]
    wrong = next(c for c in CLASSES[:3] if c != second.label)

    def highlight(start, end, label, score, probs, key):
        return {"start_s": round(max(0.0, start), 3), "end_s": round(min(duration, end), 3), "label": label,
                "sport": label.split("_")[0], "score": score, "key_s": round(key, 3),
                "evidence": {"classifier": {"backend": "checkpoint", "probs": probs}}}

    highlights = [
        highlight(first.start_s - 0.3, first.end_s + 0.3, first.label, 0.9, _probs(first.label, 0.9), first.key_s),
        highlight(second.start_s - 0.3, second.end_s + 0.3, wrong, 0.6, _probs(wrong, 0.6, second.label),
                  second.key_s),
        highlight(1.0, 3.0, "soccer_shooting", 0.55, _probs("soccer_shooting", 0.55), 2.0),  # false alarm
    ]
    highlights.sort(key=lambda h: h["start_s"])
    candidates = []
    t = 0.0
    while t + 1.6 <= duration:
        window = (round(t, 3), round(t + 1.6, 3))
        nearly = window == _nearly_window(duration)
        p = _probs("none", 0.52, "baseball_swing") if nearly else _probs("none", 0.97, "soccer_shooting")
        candidates.append({"start_s": window[0], "end_s": window[1], "key_s": round(t + 0.8, 3),
                           "label": "none", "score": p["none"], "probs": p})
        t += 0.8
    folder = root / f"{name}-highlights"
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "format": "highlights.pipeline/1",
        "video": {"path": str(files["video"].resolve()), "width": 320, "height": 180, "fps": 15.0,
                  "duration_s": duration, "rotation": 0, "codec": "h264", "num_frames": int(duration * 15)},
        "config": {"classifier": {"backend": "checkpoint", "checkpoint": MODEL}},
        "stages": {"classifier": "checkpoint"},
        "inference_backend": "torchscript",
        "stats": {},
        "highlights": highlights,
        "candidates": candidates,
    }
    (folder / "highlights.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    return folder


def own_classes_copy(detect_folder: Path, root: Path, name: str = "game1-highlights") -> Path:
    """A copy of `detect_folder` at `root/name` as a model of a club's own classes would have made
    it: `rest` for background play, no `none`."""
    own = {"baseball_swing": "volleyball_spike", "basketball_layup": "tennis_serve",
           "soccer_shooting": "volleyball_block", "none": "rest"}
    folder = root / name
    shutil.copytree(detect_folder, folder)
    data = json.loads((folder / "highlights.json").read_text())
    for item in data["highlights"]:
        item["label"] = own[item["label"]]
        probs = item["evidence"]["classifier"]["probs"]
        item["evidence"]["classifier"]["probs"] = {own[c]: p for c, p in probs.items()}
    for item in data["candidates"]:
        item["label"] = own[item["label"]]
        item["probs"] = {own[c]: p for c, p in item["probs"].items()}
    (folder / "highlights.json").write_text(json.dumps(data))
    return folder


def copy_detect_folder(folder: Path, root: Path) -> Path:
    """A copy under `root` of a folder `make_detect_folder` made, with its game's files beside it as
    they were; the copy's `highlights.json` names the copied video. For a test that writes into
    the folder or beside it (an export's `reviewed/`), so the next test finds the folder as made."""
    shutil.copytree(folder.parent, root, dirs_exist_ok=True)
    copy = root / folder.name
    data = json.loads((copy / "highlights.json").read_text(encoding="utf-8"))
    data["video"]["path"] = str((root / Path(data["video"]["path"]).name).resolve())
    (copy / "highlights.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    return copy


def detect_folder_fixtures(prefix: str, game: str = "game1"):
    """The module-scoped `made_detect_folder` (the game ``game`` and its detect folder, made once;
    no test is given it) and the per-test `detect_folder` (a test's own copy: an export writes
    `reviewed/` into it), for a test module to take as
    `made_detect_folder, detect_folder = detect_folder_fixtures("NAME")`."""
    import pytest

    @pytest.fixture(scope="module")
    def made_detect_folder(tmp_path_factory):
        return make_detect_folder(tmp_path_factory.mktemp(prefix), game)

    @pytest.fixture
    def detect_folder(made_detect_folder, tmp_path_factory):
        return copy_detect_folder(made_detect_folder, tmp_path_factory.mktemp(f"{prefix}-game"))

    return made_detect_folder, detect_folder


def past_a_page(folder: Path, count: int = 60) -> Path:
    """`folder`'s highlights.json made to hold its first highlight `count` times: more items than
    the review page's list shows on a page (50)."""
    data = json.loads((folder / "highlights.json").read_text(encoding="utf-8"))
    data["highlights"] = [dict(data["highlights"][0]) for _ in range(count)]
    (folder / "highlights.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def decide_first_three(session) -> str:
    """Accept, reject and accept the first three items of the session's first game as reviewer
    Ada (a `none` item accepted as a baseball swing); returns the game's id."""
    gid = session.games[0].id
    for state, status in zip(session.states(gid)[:3], ("accepted", "rejected", "accepted")):
        label = state["label"] if state["label"] != "none" else "baseball_swing"
        session.decide(gid, state["id"], status=status, label=label, start_s=state["start_s"],
                       end_s=state["end_s"], reviewer="Ada")
    return gid


@contextmanager
def disk_full_at_the_annotations(monkeypatch):
    """The disk fills as an export writes `reviewed.json`, its last step: the dataset version is
    made, the annotations are not. The block must raise `DiskFullError`."""
    flush = atomic._fsync

    def fsync(path: Path) -> None:
        if path.name.startswith(".reviewed.json."):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        flush(path)

    with monkeypatch.context() as full:
        full.setattr(atomic, "_fsync", fsync)
        yield
