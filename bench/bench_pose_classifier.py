"""Clip classification on real footage: the pose classifier, the R(2+1)D and their fusion.

    python bench/bench_pose_classifier.py [--real-dev ../shared/real-dev] [--pose CKPT]
                                          [--r2plus1d CKPT] [--families features_linear,features_mlp,tcn]
                                          [--synth-windows 3000] [--seeds 0,1] [--pose-cache DIR]

Scores every classifier available on the real-dev clips (a folder per class, labelled by eye;
folders that are not a class, such as `untrimmed/`, are skipped) and prints, for each, clip
accuracy and macro-F1 with 95% percentile-bootstrap intervals and n, beside always answering
`none`:
- the pose classifier (the packaged default model unless --pose is given); poses are estimated
  once per clip with MediaPipe BlazePose and cached by file content;
- the R(2+1)D, if --r2plus1d names a checkpoint (e.g. the one `highlights demo` trains on
  synthetic clips);
- their fusion (`pose_classifier.fusion`), where both are there: the fusion weight is a scalar
  chosen on these clips, so its figure is leave-one-out cross-validated (the weight chosen on the
  other clips decides each clip), never the in-sample best.
The action-vs-`none` threshold is reported the same way: the model's own setting, and the
leave-one-out cross-validated choice over a small grid.

With --families, each model family is first trained on --synth-windows synthetic windows per
seed (synthetic keypoints only) and scored the same way: the measurement that picks the family
of the default model. Training takes minutes per family and seed on 2 cores.

Skips cleanly (exit 0, one line) when the real-dev folder is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def scores(y_true, y_pred, labels) -> str:
    from highlights.report.metrics import bootstrap_intervals
    from sklearn.metrics import accuracy_score, f1_score

    names = [labels[i] for i in y_true], [labels[i] for i in y_pred]
    ci = bootstrap_intervals(*names, labels, n_bootstrap=2000)
    acc = accuracy_score(y_true, y_pred)
    f1 = f1_score(y_true, y_pred, average="macro", labels=range(len(labels)), zero_division=0)
    return (f"accuracy {acc:.2f} [{ci['accuracy'][0]:.2f}, {ci['accuracy'][1]:.2f}]  "
            f"macro-F1 {f1:.2f} [{ci['macro_f1'][0]:.2f}, {ci['macro_f1'][1]:.2f}]  n={len(y_true)}")


def decide_all(proba: np.ndarray, none_index: int, threshold: float) -> np.ndarray:
    out = []
    for p in proba:
        if 1.0 - p[none_index] < threshold:
            out.append(none_index)
        else:
            q = p.copy()
            q[none_index] = -1
            out.append(int(np.argmax(q)))
    return np.array(out)


def loo_threshold(proba, y, none_index, labels) -> np.ndarray:
    """Each clip decided with the threshold that scores best (macro-F1) on the other clips."""
    from sklearn.metrics import f1_score

    pred = np.zeros(len(y), int)
    for i in range(len(y)):
        rest = np.arange(len(y)) != i
        best = max(THRESHOLDS, key=lambda t: (f1_score(y[rest], decide_all(proba[rest], none_index, t),
                                                      average="macro", labels=range(len(labels)),
                                                      zero_division=0), -abs(t - 0.5)))
        pred[i] = decide_all(proba[i:i + 1], none_index, best)[0]
    return pred


def loo_fusion(r2, pose, y) -> np.ndarray:
    from highlights.pose_classifier.fusion import choose_weight, fuse

    pred = np.zeros(len(y), int)
    for i in range(len(y)):
        rest = np.arange(len(y)) != i
        w, _ = choose_weight(r2[rest], pose[rest], y[rest])
        pred[i] = int(fuse(r2[i:i + 1], pose[i:i + 1], w).argmax())
    return pred


def report_pose(name, clf, clips, labels, y, cache, verbose=True):
    from highlights.pose_classifier.evaluation import predict_clips

    started = time.time()
    proba, found = predict_clips(clf, clips, cache_dir=cache)
    ni = labels.index("none")
    pred = np.array([clf.decide(p) for p in proba])
    print(f"{name:<34} {scores(y, pred, labels)}  (threshold {clf.action_threshold:g}; "
          f"person found in {int(found.sum())}/{len(found)} clips; {time.time() - started:.0f} s)")
    print(f"{'':<34} {scores(y, loo_threshold(proba, y, ni, labels), labels)}  "
          f"(action threshold chosen leave-one-out from {THRESHOLDS})")
    if verbose:
        wrong = [f"{c.name}->{labels[p]}" for c, p, t in zip(clips, pred, y) if p != t]
        print(f"{'':<34} misclassified: {', '.join(wrong)}")
    return proba


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real-dev", type=Path, default=REPO.parent / "shared" / "real-dev")
    ap.add_argument("--pose", type=Path, default=None, help="pose checkpoint (default: the packaged model)")
    ap.add_argument("--r2plus1d", type=Path, default=None, help="R(2+1)D checkpoint trained on synthetic clips")
    ap.add_argument("--families", default="", help="train and score these pose model families first")
    ap.add_argument("--synth-windows", type=int, default=3000)
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--pose-cache", type=Path, default=None)
    args = ap.parse_args()
    if not args.real_dev.is_dir():
        print(f"skipped: {args.real_dev} is absent (the real clips are not part of the repository)")
        return 0
    from highlights.pose_classifier.clips import clip_tree
    from highlights.pose_classifier.default import DEFAULT_MODEL
    from highlights.pose_classifier.model import PoseClassifier
    from highlights.synth.clip import LABELS

    labels = list(LABELS)
    clips, skipped = clip_tree(args.real_dev, labels)
    y = np.array([labels.index(c.label) for c in clips])
    print(f"real-dev: {len(clips)} clips ({', '.join(f'{c} {int((y == i).sum())}' for i, c in enumerate(labels))}); "
          f"skipped folders: {', '.join(skipped) or 'none'}")
    print(f"{'always none':<34} {scores(y, np.full(len(y), labels.index('none')), labels)}")

    if args.families:
        from highlights.pose_classifier.synth_data import SynthWindowSpec, synth_windows
        from highlights.pose_classifier.train import PoseTrainConfig, fit_network

        for seed in [int(s) for s in args.seeds.split(",")]:
            windows, wl, _ = synth_windows(SynthWindowSpec(count=args.synth_windows, seed=seed))
            for family in args.families.split(","):
                cfg = PoseTrainConfig(out_dir="-", family=family, seed=seed)
                started = time.time()
                net = fit_network(cfg, windows, wl)
                clf = PoseClassifier(net, labels, cfg.window, family, {})
                report_pose(f"{family} (seed {seed}, {time.time() - started:.0f} s train)", clf, clips,
                            labels, y, args.pose_cache, verbose=False)

    pose_path = args.pose or DEFAULT_MODEL
    pose = PoseClassifier.load(pose_path)
    pose_proba = report_pose(f"pose classifier ({pose.family})", pose, clips, labels, y, args.pose_cache)

    if args.r2plus1d is not None:
        from highlights.model import ClipClassifier
        from highlights.pose_classifier.fusion import align_classes
        from highlights.video import clip_to_tensor, read_clip

        r2 = ClipClassifier.from_checkpoint(args.r2plus1d)
        order = align_classes(r2.classes, pose.classes)
        r2_proba = []
        for c in clips:
            frames, _ = read_clip(c.path, r2.spec.num_frames)
            r2_proba.append(r2.predict_proba(clip_to_tensor(frames, r2.spec, train=False)[None].numpy())[0])
        r2_proba = np.array(r2_proba)
        y_r2 = np.array([list(r2.classes).index(labels[i]) for i in y])
        print(f"{'R(2+1)D (' + args.r2plus1d.name + ')':<34} {scores(y_r2, r2_proba.argmax(1), list(r2.classes))}")
        fused = loo_fusion(r2_proba, pose_proba[:, order], y_r2)
        print(f"{'fusion (weight leave-one-out)':<34} {scores(y_r2, fused, list(r2.classes))}")
    else:
        print("R(2+1)D and fusion: not measured (pass --r2plus1d CHECKPOINT, e.g. the demo's "
              "runs/classifier-v2/best.pt)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
