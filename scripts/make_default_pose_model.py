"""Trains the pose classifier that ships inside the package, from synthetic keypoints only.

    .venv/bin/python scripts/make_default_pose_model.py

Writes `src/highlights/pose_classifier/default/pose_default.pt` and `pose_default.json` (the
command, seeds, generator version, data size, synthetic validation scores, sha256). Its settings
are `PoseTrainConfig`'s defaults (src/highlights/pose_classifier/train.py), which `highlights train
--model pose` uses too, but for the features' version (1, the packaged model's; new models get 2)
and the action threshold (0.5 here; scripts/choose_action_threshold.py chooses it on real clips);
the family was chosen by measurement on real clips (bench/bench_pose_classifier.py --families
...); no real clip is used for training. Features are
clamped to their 1-99% range over the training windows (`feature_range_quantile`): a fixed
setting, not tuned on real clips. Takes several minutes on 2 cores.
Then `scripts/choose_action_threshold.py` chooses the model's action-vs-`none` threshold on real
clips (its one scalar chosen on real footage) and writes it into both files.

--side-free --out FILE trains the same recipe with side-free input (`PoseTrainConfig.side_free`:
the limbs' speeds do not change when the pose estimator swaps left and right) into FILE and the
JSON beside it, leaving the packaged model alone (docs/pose-classifier.md, "Side-free input");
`scripts/choose_action_threshold.py --model FILE` then chooses its threshold.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from highlights.atomic import atomic_write_bytes, atomic_write_text  # noqa: E402
from highlights.pose_classifier.default import DEFAULT_MODEL  # noqa: E402
from highlights.pose_classifier.model import file_sha256  # noqa: E402
from highlights.pose_classifier.train import PoseTrainConfig, train_pose_classifier  # noqa: E402
from highlights.pose_classifier.unchosen_threshold import DEFAULT_ACTION_THRESHOLD  # noqa: E402

# The packaged model computes its features as version 1 (`features.FEATURE_VERSIONS`), which new
# models no longer get by default. Remade on version 2 it measured no better on real clips, and
# replacing it means fitting the packaged score calibration and measuring every figure quoted for
# it again (docs/pose-classifier.md): until then this script remakes the version-1 model.
PACKAGED_FEATURE_VERSION = 1

def main() -> int:
    # The parser is there too so that `--help` prints this text instead of retraining the
    # packaged model and replacing its files.
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side-free", action="store_true",
                        help="train the recipe with side-free input (PoseTrainConfig.side_free)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the model file to write, not the packaged one (with --side-free)")
    args = parser.parse_args()
    if args.side_free != (args.out is not None):
        parser.error("--side-free and --out go together: the packaged model is not side-free")
    target = args.out if args.out is not None else DEFAULT_MODEL
    command = "python scripts/make_default_pose_model.py" + (
        f" --side-free --out {args.out.name}" if args.side_free else "")
    with tempfile.TemporaryDirectory() as tmp:
        # Its threshold is chosen afterwards on real clips (scripts/choose_action_threshold.py):
        # the model it replaces gives it none.
        config = PoseTrainConfig(out_dir=tmp, feature_version=PACKAGED_FEATURE_VERSION,
                                 action_threshold=DEFAULT_ACTION_THRESHOLD,
                                 side_free=args.side_free)
        _, path = train_pose_classifier(config, show_progress=True, log=print, command=command)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, path.read_bytes())
        # The run's summary already holds the provenance (command, highlights_version, seeds,
        # generator, data, validation); only the file it describes is renamed.
        provenance = json.loads(path.with_suffix(".json").read_text())
        provenance.update({"file": target.name, "sha256": file_sha256(target)})
        atomic_write_text(target.with_suffix(".json"), json.dumps(provenance, indent=2) + "\n")
    print(f"wrote {target} ({target.stat().st_size} bytes) and {target.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
