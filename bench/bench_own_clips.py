"""What labelling your own clips buys: the pose classifier trained with real labelled clips, scored
on real clips from other sources (grouped cross-validation on real-dev).

    python bench/bench_own_clips.py [--real-dev ../shared/real-dev] [--folds 5] [--pose-cache DIR]
                                    [--synth-windows 3000] [--workdir DIR] [--labelled-share S]
                                    [--variants NAME ...]

A user who has labelled some clips of their own footage trains with them (`highlights train
--model pose --clips TREE`: the clips' poses are added to the synthetic windows). This bench
measures what that does on footage the model has not seen: real-dev's clips are split into
`--folds` folds by source repository (a repository's clips, often one camera and one player, are
never on both sides), and each fold is scored by models trained without it:

1. synthetic only: the packaged model's recipe (`PoseTrainConfig`'s defaults, which
   `scripts/make_default_pose_model.py` trains it with: the `features_linear` family on the same
   synthetic windows), the same for every fold;
2. synthetic + the other folds' clips, each window counted once (`--labelled-share 0`);
3. the same, the clips' windows repeated to `--labelled-share` of the training windows, as
   `train --clips` adds them (`pose_classifier.train.labelled_clip_windows`, given a folder of the
   training clips, and `labelled_share.with_labelled_windows`; default `OWN_CAMERA_SHARE`);
4. the other folds' clips alone (no synthetic windows);
5. the same, each window repeated to 3,000 an epoch (augmented afresh) as `train` does for a
   club's own classes (`own_classes.repeated_to_an_epoch`), where 3 gives a few optimiser steps.

Each is printed with clip accuracy and macro-F1 with 95% intervals (Wilson's, bootstrap) and n,
decided two ways: argmax of the clip's mean window probabilities (no setting), and with the window
aggregation and action threshold chosen leave-one-out over the out-of-fold predictions, as
`bench/bench_pose_classifier.py` does. The folds hold about 30 training clips each: what a user
labels in an afternoon. Poses are estimated once per clip with BlazePose and cached (`--pose-cache`,
by file content). Training takes a few minutes per fold on 2 cores.

Skips cleanly (exit 0, one line) when the real-dev folder is absent.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))


def source_groups(real_dev: Path, clips) -> list[str]:
    """Each clip's source repository (clips.tsv), or its file name's part before `__`."""
    repo_of = {}
    table = real_dev / "clips.tsv"
    if table.is_file():
        with open(table, newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                repo_of[row["file"]] = row["source_repo"]
    return [repo_of.get(c.name, c.path.name.split("__")[0]) for c in clips]


def fold_tree(clips, root: Path) -> Path:
    """A folder per class of links to `clips`: what a user hands to `train --clips`."""
    for c in clips:
        (root / c.label).mkdir(parents=True, exist_ok=True)
        link = root / c.label / c.path.name
        if not link.exists():
            link.symlink_to(c.path.resolve())
    return root


VARIANTS = ("synthetic only", "synthetic + your clips", "synthetic + your clips, share",
            "your clips only", "your clips only, repeated")


def _parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real-dev", type=Path, default=REPO.parent / "shared" / "real-dev",
                    help="folder of labelled real clips (a folder per class, clips.tsv naming "
                         "sources)")
    ap.add_argument("--folds", type=int, default=5,
                    help="cross-validation folds, grouped by source")
    ap.add_argument("--synth-windows", type=int, default=3000, help="synthetic training windows")
    ap.add_argument("--pose-cache", type=Path, default=None,
                    help="keep the real clips' estimated poses here and reuse them")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="keeps the synthetic windows for the next run")
    ap.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS),
                    help="the variants to train and score (default all; each but the first "
                         "trains a model per fold)")
    ap.add_argument("--labelled-share", type=float, default=None,
                    help="share of the training windows the clips' windows are repeated to in "
                         "the third variant (default: the share that learnt one synthetic "
                         "camera's labels, labelled_share.OWN_CAMERA_SHARE)")
    return ap.parse_args()


def _synthetic_windows(spec, workdir: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """The synthetic training windows and their labels, kept in `workdir` for the next run."""
    from highlights.pose_classifier.synth_data import synth_windows

    kept = workdir / f"synth_windows_{spec.count}_{spec.seed}.npz" if workdir else None
    if kept is not None and kept.is_file():
        with np.load(kept) as z:
            return z["windows"], z["labels"]
    started = time.time()
    sw, sl, _ = synth_windows(spec, show_progress=True)
    print(f"synthesised {len(sl)} windows in {time.time() - started:.0f} s")
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        np.savez(kept, windows=sw, labels=sl)
    return sw, sl


def _fold_models(config, sw: np.ndarray, sl: np.ndarray, rw: np.ndarray, rl: np.ndarray,
                 synthetic_model, variants: list[str]) -> dict:
    """The network of each of `variants` for one fold (the synthetic-only one is the same for
    every fold)."""
    from highlights.pose_classifier.labelled_share import with_labelled_windows
    from highlights.pose_classifier.own_classes import repeated_to_an_epoch
    from highlights.pose_classifier.train import fit_network

    share, once = config.labelled_share, np.concatenate([sl, rl])
    made = {"synthetic only": lambda: synthetic_model,
            "synthetic + your clips": lambda: fit_network(
                config, *with_labelled_windows(sw, sl, rw, rl, 0.0)[:2]),
            "synthetic + your clips, share": lambda: fit_network(
                config, *with_labelled_windows(sw, sl, rw, rl, share)[:2],
                class_weight_labels=once),
            "your clips only": lambda: fit_network(config, rw, rl),
            "your clips only, repeated": lambda: fit_network(config,
                                                             *repeated_to_an_epoch(rw, rl))}
    return {name: made[name]() for name in variants}


def _out_of_fold_proba(args: argparse.Namespace, config, clips, labels: list[str], y: np.ndarray,
                       groups: list[str], sw: np.ndarray, sl: np.ndarray):
    """Every variant's window probabilities of each clip, from the models of the fold that left
    the clip's sources out; and the synthetic-only network."""
    from sklearn.model_selection import GroupKFold

    from highlights.pose_classifier.clips import clip_poses
    from highlights.pose_classifier.model import PoseClassifier
    from highlights.pose_classifier.train import fit_network, labelled_clip_windows

    window_proba = {v: [None] * len(clips) for v in args.variants}
    synthetic_model = None
    folds = GroupKFold(n_splits=args.folds).split(np.zeros(len(y)), y, groups)
    for k, (train_idx, test_idx) in enumerate(folds, 1):
        with tempfile.TemporaryDirectory() as tmp:
            tree = fold_tree([clips[i] for i in train_idx], Path(tmp) / "clips")
            rw, rl, real = labelled_clip_windows(replace(config, clips_root=str(tree)))
        started = time.time()
        if synthetic_model is None:
            synthetic_model = fit_network(config, sw, sl)
        models = _fold_models(config, sw, sl, rw, rl, synthetic_model, args.variants)
        print(f"fold {k}: trained on {real['clips']} clips ({real['windows']} windows) of "
              f"{len({groups[i] for i in train_idx})} sources, scored on {len(test_idx)} clips of "
              f"{len({groups[i] for i in test_idx})} others ({time.time() - started:.0f} s)")
        for name, net in models.items():
            clf = PoseClassifier(net, labels, config.window, config.family, {})
            for i in test_idx:
                kp, times = clip_poses(clips[i].path, fps=clf.spec.fps, cache_dir=args.pose_cache)
                windows = clf.windows(kp, times)
                window_proba[name][i] = clf.window_proba(windows) if windows else None
    return window_proba, synthetic_model


def main() -> int:
    args = _parse_args()
    if not args.real_dev.is_dir():
        print(f"skipped: {args.real_dev} is absent (the real clips are not part of the repository)")
        return 0
    if args.pose_cache is not None:
        # `train --clips` reads poses from the default pose cache: point it at the bench's.
        os.environ["HIGHLIGHTS_POSE_CACHE"] = str(args.pose_cache)
    from bench_pose_classifier import aggregated, loo_settings, scores
    from highlights.pose_classifier.clips import clip_tree
    from highlights.pose_classifier.model import PoseClassifier
    from highlights.pose_classifier.synth_data import SynthWindowSpec
    from highlights.pose_classifier.train import PoseTrainConfig
    from highlights.synth.clip import LABELS

    labels = list(LABELS)
    clips, _ = clip_tree(args.real_dev, labels)
    y = np.array([labels.index(c.label) for c in clips])
    groups = source_groups(args.real_dev, clips)
    print(f"real-dev: {len(clips)} clips from {len(set(groups))} sources "
          f"({', '.join(f'{c} {int((y == i).sum())}' for i, c in enumerate(labels))}); "
          f"{args.folds} folds by source")

    from highlights.pose_classifier.labelled_share import OWN_CAMERA_SHARE

    config = PoseTrainConfig(out_dir="-")  # the packaged model's recipe
    config = replace(config, labelled_share=OWN_CAMERA_SHARE if args.labelled_share is None
                     else args.labelled_share)
    print(f"the third variant's clips make up {config.labelled_share:g} of the training windows "
          "at least")
    sw, sl = _synthetic_windows(SynthWindowSpec(count=args.synth_windows, seed=config.synth_seed),
                                args.workdir)
    window_proba, synthetic_model = _out_of_fold_proba(args, config, clips, labels, y, groups, sw,
                                                       sl)

    print()
    for name in args.variants:
        clf = PoseClassifier(synthetic_model, labels, config.window, config.family, {})
        plain = aggregated(clf, window_proba[name], "mean").argmax(axis=1)
        loo, chosen = loo_settings(clf, window_proba[name], y, labels)
        picks = ", ".join(f"{a}/{t:g} x{n}"
                          for (a, t), n in sorted(chosen.items(), key=lambda kv: -kv[1]))
        print(f"{name:<30} {scores(y, plain, labels)}  (argmax of mean window probabilities)")
        print(f"{'':<30} {scores(y, loo, labels)}  (aggregation and threshold leave-one-out: "
              f"{picks})")
    return 0

if __name__ == "__main__":
    run_script(main)
