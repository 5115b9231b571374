"""Clip classification on real footage: the pose classifier, the R(2+1)D and their fusion.

    python bench/bench_pose_classifier.py [--real-dev ../shared/real-dev] [--pose CKPT]
                                          [--r2plus1d CKPT]
                                          [--families features_linear,features_mlp,tcn]
                                          [--synth-windows 3000] [--seeds 0,1] [--epochs 60]
                                          [--pose-cache DIR]
                                          [--windows FILE] [--skip-pipeline-gate]

Scores every classifier available on the real-dev clips (a folder per class, labelled by eye;
folders that are not a class, such as `untrimmed/`, are skipped) and prints, for each, clip
accuracy and macro-F1 with 95% intervals (Wilson's, percentile bootstrap) and n, beside always
answering `none`:
- the pose classifier (the packaged default model unless --pose is given); poses are estimated
  once per clip with MediaPipe BlazePose and cached by file content;
- the R(2+1)D, if --r2plus1d names a checkpoint (e.g. the one `highlights demo` trains on
  synthetic clips);
- their fusion (`pose_classifier.fusion`), where both are there: the fusion weight is a scalar
  chosen on these clips, so its figure is leave-one-out cross-validated (the weight chosen on the
  other clips decides each clip), never the in-sample best.
For a linear features model, each misclassified clip is listed with the features that pulled it
to its predicted class (their share of the logit difference in the window that decided it).
A features model whose features are clamped to their training range (`model.FeatureNet`) is also
scored with the same weights unbounded: what the clamp does on real poses. For a features model,
the features where the generator's poses (through the training augmentation) and the real clips'
estimated poses differ most are listed, per class: where the generator falls short of real play.
The window aggregation (max or mean) and the action-vs-`none` threshold are reported the same way:
the model's own settings, and the leave-one-out cross-validated choice over a small grid.

The pipeline's gate: the packaged model's action threshold was chosen on these clips, on the
windows the pipeline itself scores (`scripts/choose_action_threshold.py`). The bench runs the
default pipeline on every clip (a few minutes; --windows FILE keeps the window probabilities and
reuses them), decides each clip as the pipeline would (`none` without a window at the threshold,
else the action class of the most action-like window), and prints macro-F1 with its 95% interval
with the stored threshold (in-sample: it was chosen here), leave-one-out cross-validated (the
whole choice rerun without each clip: the figure to quote), and with the previous rule (argmax
and `classifier.min_score` 0.5). --skip-pipeline-gate leaves this out.

With --families, each model family is first trained on --synth-windows synthetic windows per
seed for --epochs epochs (synthetic keypoints only; the rest of the packaged model's recipe,
`PoseTrainConfig`'s defaults) and scored the same way: the measurement that picks the family of
the default model. Training takes minutes per family and seed on 2 cores.

Skips cleanly (exit 0, one line) when the real-dev folder is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script

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
            f"macro-F1 {f1:.2f} [{ci['macro_f1'][0]:.2f}, {ci['macro_f1'][1]:.2f}]  "
            f"n={len(y_true)}")


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


def clip_window_proba(clf, clips, cache) -> list:
    """Each clip's window probabilities (None where no window had a usable body)."""
    from highlights.pose_classifier.clips import clip_poses

    out = []
    for c in clips:
        kp, times = clip_poses(c.path, fps=clf.spec.fps, cache_dir=cache)
        windows = clf.windows(kp, times)
        out.append(clf.window_proba(windows) if windows else None)
    return out


def aggregated(clf, window_proba, aggregation: str) -> np.ndarray:
    """(clips, classes): a clip without a usable body is `none` with certainty."""
    out = []
    for p in window_proba:
        if p is None:
            q = np.zeros(len(clf.classes))
            q[clf.none_index] = 1.0
            out.append(q)
        else:
            out.append(clf.aggregate(p, aggregation))
    return np.asarray(out)


def loo_settings(clf, window_proba, y, labels) -> tuple[np.ndarray, dict]:
    """Each clip decided with the (aggregation, action threshold) that scores best (macro-F1) on
    the other clips; ties keep the model's own aggregation and the threshold nearest 0.5. Returns
    the predictions and how often each setting was chosen."""
    from sklearn.metrics import f1_score

    from highlights.pose_classifier.model import AGGREGATIONS

    ni = labels.index("none")
    proba = {a: aggregated(clf, window_proba, a) for a in AGGREGATIONS}
    settings = [(a, t) for a in AGGREGATIONS for t in THRESHOLDS]
    pred, chosen = np.zeros(len(y), int), {}
    for i in range(len(y)):
        rest = np.arange(len(y)) != i

        def score(s):
            a, t = s
            f1 = f1_score(y[rest], decide_all(proba[a][rest], ni, t), average="macro",
                          labels=range(len(labels)), zero_division=0)
            return (round(f1, 9), a == clf.aggregation, -abs(t - 0.5))

        best = max(settings, key=score)
        chosen[best] = chosen.get(best, 0) + 1
        pred[i] = decide_all(proba[best[0]][i:i + 1], ni, best[1])[0]
    return pred, chosen


def confusion(y, pred, labels) -> str:
    width = max(len(c) for c in labels)
    head = "true / predicted"
    rows = [f"{head:>{width}}  " + " ".join(f"{c[:10]:>10}" for c in labels)]
    for i, c in enumerate(labels):
        rows.append(f"{c:>{width}}  "
                    + " ".join(f"{int(((y == i) & (pred == j)).sum()):>10}"
                               for j in range(len(labels))))
    return "\n".join(" " * 35 + r for r in rows)


def loo_fusion(r2, pose, y) -> np.ndarray:
    from highlights.pose_classifier.fusion import choose_weight, fuse

    pred = np.zeros(len(y), int)
    for i in range(len(y)):
        rest = np.arange(len(y)) != i
        w, _ = choose_weight(r2[rest], pose[rest], y[rest])
        pred[i] = int(fuse(r2[i:i + 1], pose[i:i + 1], w).argmax())
    return pred


def wrong_class_pull(clf, clips, y, pred, labels, cache, top: int = 3) -> list[str]:
    """For a linear features model, what moved each misclassified clip: in the window that
    decided the clip (the most action-like one), each feature's share of logit(predicted) -
    logit(true), (w_pred - w_true) * the feature standardised as in training (clamped first). A
    feature far outside the synthetic range that carries a large weight shows up here first: the
    place to look for where the generator's motion and real footage differ. Lines per clip, then
    which features led how often."""
    from collections import Counter

    import torch

    from highlights.pose_classifier.clips import clip_poses
    from highlights.pose_classifier.features import feature_names, window_features

    net = clf.network
    weight = net.net[-1].weight.detach().numpy()
    names = feature_names()
    lines, leaders = [], Counter()
    for c, t, p in zip(clips, y, pred):
        if t == p:
            continue
        kp, times = clip_poses(c.path, fps=clf.spec.fps, cache_dir=cache)
        windows = clf.windows(kp, times)
        if not windows:
            continue
        proba = clf.window_proba(windows)
        w = windows[int(np.argmax(1.0 - proba[:, clf.none_index]))]
        with torch.no_grad():
            # The model's own input: its feature version, side-free where it was trained so.
            features = window_features(w, clf.spec.fps, clf.feature_version, clf.side_free)[0]
            z = net.standardise(torch.as_tensor(features, dtype=torch.float32)).numpy()
        pull = (weight[p] - weight[t]) * z
        order = np.argsort(-pull)[:top]
        leaders[names[order[0]]] += 1
        lines.append(f"{c.name} -> {labels[p]}: " + ", ".join(f"{names[k]} {pull[k]:+.1f} (z "
                                                              f"{z[k]:+.1f})" for k in order)
                     + f"; all features {pull.sum():+.1f}")
    if leaders:
        lines.append("leading feature: " + ", ".join(f"{n} x{k}" for n, k in leaders.most_common()))
    return lines


def feature_gap(clf, clips, labels, cache, synth_count: int = 1200, top: int = 8) -> list[str]:
    """Where the generator's poses and real footage's estimated poses differ most, label-free in
    spirit: for each feature, per class, the median over the synthetic training distribution
    (ground truth through the training augmentation) against the median over the real clips'
    windows, the gap in synthetic standard deviations averaged over the classes. The features on
    top are where to change the generator or the augmentation (a feature shifted the same way in
    every class is a difference of bodies or estimators, not of actions)."""
    from highlights.pose_classifier.augment import augment_window
    from highlights.pose_classifier.clips import clip_poses
    from highlights.pose_classifier.features import feature_names, window_features
    from highlights.pose_classifier.skeleton import normalise
    from highlights.pose_classifier.synth_data import SynthWindowSpec, synth_windows

    fps = clf.spec.fps
    windows, wl, _ = synth_windows(SynthWindowSpec(count=synth_count, seed=11, fps=fps,
                                                   window_frames=clf.spec.window_frames),
                                   classes=tuple(labels))
    rng = np.random.default_rng(0)
    synth = {c: [] for c in labels}
    for w, k in zip(windows, wl):
        norm = normalise(augment_window(w, rng))
        if norm is not None:
            synth[labels[k]].append(window_features(norm, fps, clf.feature_version, clf.side_free)[0])
    real = {c: [] for c in labels}
    for c in clips:
        kp, times = clip_poses(c.path, fps=fps, cache_dir=cache)
        real[c.label] += [window_features(w, fps, clf.feature_version, clf.side_free)[0]
                          for w in clf.windows(kp, times)]
    every = np.stack([f for v in synth.values() for f in v])
    sd = every.std(axis=0) + 1e-6
    med = {c: (np.median(np.stack(synth[c]), axis=0), np.median(np.stack(real[c]), axis=0))
           for c in labels if synth[c] and real[c]}
    gap = np.mean([np.abs(r - s) / sd for s, r in med.values()], axis=0)
    names = feature_names()
    lines = []
    for k in np.argsort(-gap)[:top]:
        lines.append(f"{names[k]:<32} gap {gap[k]:.2f} sd | " + "  ".join(
            f"{c} {s[k]:+.2f} -> {r[k]:+.2f}" for c, (s, r) in med.items()))
    return lines


def report_pose(name, clf, clips, labels, y, cache, verbose=True):
    started = time.time()
    window_proba = clip_window_proba(clf, clips, cache)
    proba = aggregated(clf, window_proba, clf.aggregation)
    found = sum(p is not None for p in window_proba)
    pred = np.array([clf.decide(p) for p in proba])
    print(f"{name:<34} {scores(y, pred, labels)}  (its own settings: {clf.aggregation} over "
          f"windows, threshold {clf.action_threshold:g}; a usable body in {found}/{len(clips)} "
          f"clips; {time.time() - started:.0f} s)")
    loo, chosen = loo_settings(clf, window_proba, y, labels)
    picks = ", ".join(f"{a}/{t:g} x{n}"
                      for (a, t), n in sorted(chosen.items(), key=lambda kv: -kv[1]))
    print(f"{'':<34} {scores(y, loo, labels)}  (aggregation and action threshold chosen "
          f"leave-one-out from {{max, mean}} x {THRESHOLDS}; chosen: {picks})")
    if verbose:
        print(confusion(y, pred, labels))
        wrong = [f"{c.name}->{labels[p]}" for c, p, t in zip(clips, pred, y) if p != t]
        print(f"{'':<34} misclassified: {', '.join(wrong)}")
        if clf.family == "features_linear":
            print(f"{'':<34} what pulled each misclassified clip to its predicted class (feature: "
                  "its share of logit(predicted) - logit(true) in the deciding window):")
            for line in wrong_class_pull(clf, clips, y, pred, labels, cache):
                print(f"{'':<36}{line}")
    return proba


def report_pipeline_gate(pose, pose_path: Path, clips, labels, y, real_dev: Path,
                         windows_file: Path | None) -> None:
    """The pipeline's action gate on the clips: stored threshold, cross-validated, previous rule;
    the pipeline runs with the model scored above (`classifier.pose_model` when not the packaged
    one)."""
    sys.path.insert(0, str(REPO / "scripts"))
    from choose_action_threshold import collect

    from highlights.pose_classifier.action_gate import clip_decisions, leave_one_out

    classes, gate_clips, windows, y_gate = collect(real_dev, windows_file, pose_path.resolve())
    ni = classes.index("none")
    with_windows = sum(len(w) > 0 for w in windows)
    print(f"\n== the pipeline's gate on real-dev clips: the default pipeline's own windows "
          f"({sum(len(w) for w in windows)} windows; a window in {with_windows}/{len(windows)} "
          "clips)")
    stored = clip_decisions(windows, ni, pose.action_threshold)
    print(f"{'stored threshold ' + format(pose.action_threshold, 'g'):<34} "
          f"{scores(y_gate, stored, classes)}  (in-sample: chosen on these clips)")
    loo, chosen = leave_one_out(windows, y_gate, ni, len(classes))
    picks = ", ".join(f"{t:g} x{chosen.count(t)}" for t in sorted(set(chosen)))
    print(f"{'cross-validated':<34} {scores(y_gate, loo, classes)}  (leave-one-out, the "
          f"one-standard-error choice rerun without each clip; chosen: {picks})")
    previous = []
    for w in windows:
        if len(w) == 0:
            previous.append(ni)
            continue
        best = w[int(np.argmax(1.0 - w[:, ni]))]
        i = int(np.argmax(best))
        previous.append(i if i != ni and best[i] >= 0.5 else ni)
    print(f"{'previous rule (argmax, min 0.5)':<34} {scores(y_gate, np.array(previous), classes)}")
    print(confusion(y_gate, stored, classes))


def describe_r2plus1d(path: Path, meta: dict) -> str:
    """What the R(2+1)D checkpoint is: size, input, training data and its own validation score.
    How many epochs ran is in the run's `train_history.json` beside it (a run that stopped early
    ran fewer than its configured epochs); without that file only the configured number is known."""
    import json

    from highlights.train.loop import HISTORY_FILENAME

    model, tc, spec, ds = (meta.get("model", {}), meta.get("train_config", {}),
                           meta.get("clip_spec", {}), meta.get("dataset", {}))
    val = meta.get("val_macro_f1")
    try:
        ran = len(json.loads((path.parent / HISTORY_FILENAME).read_text())["history"])
        epochs = f"trained {ran} of {tc.get('epochs')} epochs"
    except (OSError, ValueError, KeyError, TypeError):
        epochs = f"trained up to {tc.get('epochs')} epochs"
    return (f"R(2+1)D checkpoint {path}: {model.get('arch')} width {model.get('width')} layers "
            f"{model.get('layers')}, {spec.get('num_frames')} frames at {spec.get('crop_size')} "
            f"px, {epochs} (best epoch {meta.get('epoch')}) on {ds.get('train_clips')} clips of "
            f"dataset {ds.get('version')} at {ds.get('root')}, validation macro-F1 "
            f"{'-' if val is None else f'{val:.2f}'} on its {ds.get('val_clips')} validation clips")


def _parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real-dev", type=Path, default=REPO.parent / "shared" / "real-dev",
                    help="folder of labelled real clips (a folder per class)")
    ap.add_argument("--pose", type=Path, default=None,
                    help="pose checkpoint (default: the packaged model)")
    ap.add_argument("--r2plus1d", type=Path, default=None,
                    help="R(2+1)D checkpoint trained on synthetic clips")
    ap.add_argument("--families", default="",
                    help="train and score these pose model families first")
    ap.add_argument("--synth-windows", type=int, default=3000,
                    help="synthetic windows each --families model trains on")
    ap.add_argument("--seeds", default="0",
                    help="comma-separated training seeds of the --families models")
    # The families were compared at 60 epochs; the packaged model (features_linear) trains 40.
    ap.add_argument("--epochs", type=int, default=60, help="epochs each --families model trains")
    ap.add_argument("--pose-cache", type=Path, default=None,
                    help="keep the real clips' estimated poses here and reuse them")
    ap.add_argument("--windows", type=Path, default=None,
                    help="keep (and reuse) the pipeline's window probabilities of the clips in "
                         "this file")
    ap.add_argument("--skip-pipeline-gate", action="store_true",
                    help="leave out the pipeline's gate (running the default pipeline on every "
                         "clip)")
    return ap.parse_args()


def _report_families(args: argparse.Namespace, clips, labels: list[str], y: np.ndarray) -> None:
    """Each --families model trained on synthetic windows for each seed, scored on the clips."""
    from highlights.pose_classifier.model import PoseClassifier
    from highlights.pose_classifier.synth_data import SynthWindowSpec, synth_windows
    from highlights.pose_classifier.train import PoseTrainConfig, fit_network

    for seed in [int(s) for s in args.seeds.split(",")]:
        windows, wl, _ = synth_windows(SynthWindowSpec(count=args.synth_windows, seed=seed))
        for family in args.families.split(","):
            cfg = PoseTrainConfig(out_dir="-", family=family, seed=seed, epochs=args.epochs)
            started = time.time()
            net = fit_network(cfg, windows, wl)
            clf = PoseClassifier(net, labels, cfg.window, family, {})
            report_pose(f"{family} (seed {seed}, {time.time() - started:.0f} s train)", clf, clips,
                        labels, y, args.pose_cache, verbose=False)


def _report_pose_model(pose, clips, labels: list[str], y: np.ndarray,
                       pose_cache: Path | None) -> np.ndarray:
    """The pose model's scores on the clips (their probabilities returned); for a features model,
    the same unbounded and where synthetic and real poses differ most."""
    pose_proba = report_pose(f"pose classifier ({pose.family})", pose, clips, labels, y, pose_cache)
    if pose.family.startswith("features") and bool(np.isfinite(pose.network.lo.numpy()).any()):
        # What clamping features to their training range does on real poses: the same weights
        # unbounded.
        import copy

        unbounded = copy.deepcopy(pose)
        unbounded.network.lo.fill_(-np.inf)
        unbounded.network.hi.fill_(np.inf)
        report_pose("  the same, features unbounded", unbounded, clips, labels, y, pose_cache,
                    verbose=False)
    if pose.family.startswith("features"):
        print("where synthetic and real poses differ most (median per class, synthetic through the "
              "training augmentation -> real-dev windows; gap in synthetic standard deviations, "
              "mean over classes):")
        for line in feature_gap(pose, clips, labels, pose_cache):
            print(f"  {line}")
    return pose_proba


def _report_r2plus1d_and_fusion(checkpoint: Path, pose, pose_proba: np.ndarray, clips,
                                labels: list[str], y: np.ndarray) -> None:
    """The R(2+1)D checkpoint's scores on the clips, and its fusion with the pose model (the
    weight chosen leave-one-out)."""
    from highlights.model import ClipClassifier
    from highlights.pose_classifier.fusion import align_classes
    from highlights.video import clip_to_tensor, read_clip

    r2 = ClipClassifier.from_checkpoint(checkpoint, backend="eager")
    print(describe_r2plus1d(checkpoint, r2.meta))
    order = align_classes(r2.classes, pose.classes)
    r2_proba = []
    for c in clips:
        frames, _ = read_clip(c.path, r2.spec.num_frames)
        r2_proba.append(
            r2.predict_proba(clip_to_tensor(frames, r2.spec, train=False)[None].numpy())[0])
    r2_proba = np.array(r2_proba)
    y_r2 = np.array([list(r2.classes).index(labels[i]) for i in y])
    print(f"{'R(2+1)D (' + checkpoint.name + ')':<34} "
          f"{scores(y_r2, r2_proba.argmax(1), list(r2.classes))}")
    fused = loo_fusion(r2_proba, pose_proba[:, order], y_r2)
    print(f"{'fusion (weight leave-one-out)':<34} {scores(y_r2, fused, list(r2.classes))}")


def main() -> int:
    args = _parse_args()
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
    print(f"real-dev: {len(clips)} clips "
          f"({', '.join(f'{c} {int((y == i).sum())}' for i, c in enumerate(labels))}); skipped "
          f"folders: {', '.join(skipped) or 'none'}")
    print(f"{'always none':<34} {scores(y, np.full(len(y), labels.index('none')), labels)}")
    if args.families:
        _report_families(args, clips, labels, y)

    pose_path = args.pose or DEFAULT_MODEL
    pose = PoseClassifier.load(pose_path)
    pose_proba = _report_pose_model(pose, clips, labels, y, args.pose_cache)
    if not args.skip_pipeline_gate:
        report_pipeline_gate(pose, pose_path, clips, labels, y, args.real_dev, args.windows)
    if args.r2plus1d is not None:
        _report_r2plus1d_and_fusion(args.r2plus1d, pose, pose_proba, clips, labels, y)
    else:
        print("R(2+1)D and fusion: not measured (pass --r2plus1d CHECKPOINT, e.g. the demo's "
              "runs/classifier-v2/best.pt)")
    return 0

if __name__ == "__main__":
    run_script(main)
