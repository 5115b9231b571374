"""The pipeline's output on the demo's small synthetic game, compared with a stored reference.

The game is the demo's at its `tiny` size, with more events in it (`highlights synth game --minutes
0.5 --size 320x180 --seed 3 --events-per-minute 8`), run with the demo's ground-truth detection and
pose and the oracle classifier (deterministic, no training), in four configurations. A change that
is meant to keep the pipeline's behaviour (a restructure, a faster path) must reproduce the stored
highlights, their scores and evidence exactly. A change that is meant to alter the output raises
`highlights.pipeline.output_version.OUTPUT_VERSION` (a batch then runs again the games an earlier
version made) and rewrites the reference on purpose, and its diff shows what changed:

    .venv/bin/python tests/test_pipeline_reference.py --write

which refuses to store other output under the number the reference holds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parent / "data" / "pipeline_reference.json"
GAME = {"minutes": 0.5, "width": 320, "height": 180, "seed": 3, "events_per_minute": 8.0, "name": "game"}
# The demo's stage flags for synthetic games, with the oracle in place of a trained checkpoint.
BASE = {"detection.backend": "gt", "pose.backend": "gt", "pose.gt_noise_px": 2.0, "classifier.backend": "oracle"}
RUNS = {
    "demo": {},
    "oracle wrong on some events": {"classifier.oracle_accuracy": 0.6},
    "candidates off (dense windows)": {"candidates.enabled": False},
    "classifier off (kinematic scores)": {"classifier.enabled": False},
    "kinematics off, looser merge": {"kinematics.enabled": False, "merge.nms_iou": 0.6, "merge.min_length_s": 5.0},
}


def _config(changes: dict):
    from highlights.pipeline.config import PipelineConfig

    return PipelineConfig().with_overrides({**BASE, **changes})


def _outputs(folder: Path) -> dict:
    from highlights.events import load_annotation
    from highlights.pipeline.run import run_pipeline
    from highlights.synth.game import GameConfig, generate_game

    paths = generate_game(folder, GameConfig(**GAME))
    video = paths["video"]
    annotation = load_annotation(video.with_suffix(".json"))
    out = {}
    for name, changes in RUNS.items():
        result = run_pipeline(video, _config(changes), annotation=annotation, progress=False)
        out[name] = {"highlights": [h.to_dict() for h in result.highlights],
                     "before_merge": [h.to_dict() for h in result.before_merge],
                     "backends": result.backends}
    return out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    return _outputs(tmp_path_factory.mktemp("reference-game"))


@pytest.mark.parametrize("run", list(RUNS))
def test_the_pipeline_reproduces_its_stored_output(outputs, run):
    stored = json.loads(REFERENCE.read_text())["runs"][run]
    got = json.loads(json.dumps(outputs[run]))  # tuples -> lists, as stored
    assert got["backends"] == stored["backends"]
    assert len(got["highlights"]) == len(stored["highlights"])
    for new, old in zip(got["highlights"], stored["highlights"]):
        assert new == old
    assert got["before_merge"] == stored["before_merge"]


def test_the_reference_was_written_under_the_pipeline_output_number():
    from highlights.pipeline.output_version import OUTPUT_VERSION

    assert json.loads(REFERENCE.read_text())["output_version"] == OUTPUT_VERSION


def test_the_reference_holds_highlights_worth_comparing():
    runs = json.loads(REFERENCE.read_text())["runs"]
    assert all(runs[name]["highlights"] for name in RUNS)
    labels = {h["label"] for run in runs.values() for h in run["highlights"]}
    assert len(labels) >= 2  # more than one kind of action: the classifier's choice matters


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    from highlights.atomic import atomic_write_json

    from highlights.pipeline.output_version import OUTPUT_VERSION

    with tempfile.TemporaryDirectory() as tmp:
        runs = json.loads(json.dumps(_outputs(Path(tmp))))
    stored = json.loads(REFERENCE.read_text())
    if stored.get("output_version") == OUTPUT_VERSION and stored.get("runs") != runs:
        sys.exit(f"the pipeline's output changed under output number {OUTPUT_VERSION}: raise OUTPUT_VERSION in "
                 "src/highlights/pipeline/output_version.py, so that batches run again the games an earlier "
                 "version made, then --write again")
    atomic_write_json(REFERENCE, {"output_version": OUTPUT_VERSION, "game": GAME, "base": BASE, "runs": runs},
                      indent=1)
    print(f"wrote {REFERENCE}")
