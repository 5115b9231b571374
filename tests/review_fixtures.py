"""A `highlights detect` output folder built by hand over a short synthetic game.

The game comes from the project's generator (`highlights.synth`); its `highlights.json` is
written from the game's own annotation instead of running the pipeline, so the review tests know
exactly what is right: the first event is found with the right label, the second with the wrong
one, a false alarm sits where nothing happens, and the turned-down windows include one that was
nearly taken, plus sure negatives.
"""

from __future__ import annotations

import json
from pathlib import Path

from highlights.events import load_annotation
from highlights.synth import GameConfig, generate_game

MODEL = "runs/v2/best.pt"
CLASSES = ("baseball_swing", "basketball_layup", "soccer_shooting", "none")


def _probs(top: str, p: float, second: str = "none") -> dict[str, float]:
    rest = (1.0 - p) * 0.8
    out = {c: round((1.0 - p - rest) / 2, 4) for c in CLASSES}
    out[top], out[second] = round(p, 4), round(rest, 4)
    return out


def make_detect_folder(root: Path, name: str = "game1", *, seed: int = 3, minutes: float = 0.3) -> Path:
    """`root/name-highlights/highlights.json` over `root/name.mp4`; returns the detect folder."""
    files = generate_game(root, GameConfig(minutes=minutes, width=320, height=180, fps=15, events_per_minute=12,
                                           seed=seed, name=name))
    ann = load_annotation(files["annotation"])
    duration = ann.duration_s
    assert len(ann.events) >= 2, "the fixture needs two events"
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
        nearly = abs(window[0] - (duration - 4.0)) < 0.5  # the window the model nearly took
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
