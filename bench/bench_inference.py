"""Classifier inference speed on this CPU: every path and layout, and the automatic choice, in the
same run.

    .venv/bin/python bench/bench_inference.py --skip-int8    # default R(2+1)D-18, 2 threads
    .venv/bin/python bench/bench_inference.py
    .venv/bin/python bench/bench_inference.py --checkpoint runs/x/best.pt --dataset data \\
        --version v2

Prints this CPU's relevant flags (AVX-512, VNNI, native bf16, AMX); then runs the automatic
choice exactly as a user's first run does (``ClipClassifier(backend="auto")`` with an empty path
cache, its default budget and rounds: it builds the paths and races their layouts) and prints
what it picked, what its race cut and how long it took; then times every path in every layout
the choice considers (workers, clips per call, threads each; the same batch it measures on)
plus the automatic choice's own row, in interleaved rounds (``--repeats``), so load from other
processes on a shared machine falls on all of them alike; and prints each row's median clips/s
(best beside it), its ratio to eager, the max |logit diff| against eager and whether the argmax
agrees, and how far the automatic choice is from the best row it could have picked (within 5% or
not): the fp32 paths, and int8/bf16 only where a verdict beside the checkpoint offers them.
The load average is printed beside the figures: taken under load they are not speed figures.
The bf16 path is timed where the CPU has native bf16 (``--bf16 force`` times it anyway, to show
what emulated bf16 costs); the int8 path's speed and agreement too.

Without ``--checkpoint`` the model is the default R(2+1)D-18 with a 4-class head, torchvision's
initialisation, randomised batch-norm statistics and a head centred on the features of a few
random clips, so that its predictions depend on the clip (a freshly initialised network, or the
conformance vector's weights, give every clip the same class, which would make "same argmax"
say nothing). Clips are random: the int8 figure is then agreement with fp32, not accuracy.
With a checkpoint and a dataset version, int8 is calibrated on train clips and scored on the
test split's real clips.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from highlights import __version__
from highlights.clips.spec import DEFAULT_CLASSES, ClipSpec
from highlights.file_hash import file_sha256
from highlights.cli.boundary import run_script
from highlights.model import ClipClassifier, load_checkpoint, r2plus1d_18
from highlights.model.backends import (AUTO_ORDER, BF16_BACKEND, INT8_BACKEND, Bf16AutocastBackend,
                                       OnnxRuntimeInt8Backend, build_backend, compare_logits)
from highlights.model.classifier import describe_skipped
from highlights.model.cpu_features import this_cpu
from highlights.model.path_choice import (DEFAULT_BUDGET_S, DEFAULT_ROUNDS, PathCache, PathLayout,
                                          candidate_layouts, measure_interleaved)
from highlights.model.runner import ChunkRunner

# The automatic choice must come within this share of the best path measured in the same run.
AUTO_TOLERANCE = 0.05
REDUCED_PRECISION = (INT8_BACKEND, BF16_BACKEND)


def _dataset_clips(root: str, version: str, split: str, spec: ClipSpec, classes: list[str],
                   limit: int | None) -> tuple[torch.Tensor, np.ndarray]:
    from highlights.datasets import load_version
    from highlights.video import clip_to_tensor, read_clip

    records = load_version(root, version).split(split, augmented=False)[:limit]
    clips = [clip_to_tensor(read_clip(r.path, spec.num_frames)[0], spec, train=False)
             for r in records]
    labels = np.array([classes.index(r.label) for r in records])
    return torch.stack(clips), labels


def _bench_model(spec: ClipSpec, *, num_classes: int = 4,
                 seed: int = 0) -> tuple[torch.nn.Module, float]:
    """Default-size model whose argmax varies from clip to clip (see the module docstring), and
    the size of the clip-dependent part of its features relative to their common part."""
    torch.manual_seed(seed)
    model = r2plus1d_18(num_classes)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm3d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
    model.eval()
    features: list[torch.Tensor] = []
    hook = model.avgpool.register_forward_hook(lambda m, i, out: features.append(out.flatten(1)))
    with torch.inference_mode():
        model(torch.randn(4, 3, spec.num_frames, spec.crop_size, spec.crop_size))
    hook.remove()
    feats = features[0]
    centred = feats - feats.mean(0)
    weight = torch.randn(num_classes, feats.shape[1])
    # logits spread over a few units, like a trained head
    weight *= 2.0 / (centred @ weight.T).std()
    with torch.no_grad():
        model.fc.weight.copy_(weight)
        model.fc.bias.copy_(-(weight @ feats.mean(0)))
    signal = float((centred.norm(dim=1) / feats.mean(0).norm()).mean())
    return model, signal


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=None,
                        help="clips per timed call (default: the automatic choice's own measuring "
                             "batch)")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch threads of the process (the layouts split them)")
    parser.add_argument("--frames", type=int, default=16, help="frames per clip")
    parser.add_argument("--size", type=int, default=112, help="clip height and width in pixels")
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved timed rounds per row (median)")
    parser.add_argument("--paths", default=",".join(p for p in AUTO_ORDER if p != "eager"),
                        help="fast fp32 paths to time, comma-separated")
    parser.add_argument("--skip-int8", action="store_true",
                        help="leave out the int8 path (its quantisation and timing)")
    parser.add_argument("--bf16", choices=("auto", "skip", "force"), default="auto",
                        help="time the bf16 path: where the CPU has native bf16 (auto), never, or "
                             "always")
    parser.add_argument("--auto-rounds", type=int, default=DEFAULT_ROUNDS,
                        help="rounds of the automatic choice's own measurement (default: a first "
                             "run's)")
    parser.add_argument("--auto-budget-s", type=float, default=DEFAULT_BUDGET_S,
                        help="the automatic choice's measuring budget (default: a first run's; 0: "
                             "no bound)")
    parser.add_argument("--agreement-clips", type=int, default=32,
                        help="random clips on which int8's argmax is compared with fp32's")
    parser.add_argument("--checkpoint",
                        help="a trained checkpoint instead of the reference weights")
    parser.add_argument("--dataset",
                        help="dataset root (with --checkpoint): int8 accuracy on real clips")
    parser.add_argument("--version", default="v1", help="dataset version (with --dataset)")
    parser.add_argument("--test-limit", type=int, default=None,
                        help="score int8 on at most this many test clips (with --dataset; default: "
                             "all)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args(argv)


def _model_to_time(args: argparse.Namespace) -> tuple[torch.nn.Module, list[str], ClipSpec, str]:
    """The checkpoint's model, or the reference one (see the module docstring), with its classes,
    clip spec and a line saying which."""
    if args.checkpoint:
        model, meta = load_checkpoint(args.checkpoint)
        return (model, list(meta["classes"]), ClipSpec.from_dict(meta["clip_spec"]),
                f"checkpoint {args.checkpoint}")
    spec = ClipSpec(num_frames=args.frames, crop_size=args.size)
    model, signal = _bench_model(spec)
    source = (f"r2plus1d_18(4), random weights with a clip-dependent head (on random clips the "
              f"clip-dependent part of its features is {signal:.1%} of the common part, so "
              f"small numeric errors move its argmax far more than a trained model's)")
    return model, list(DEFAULT_CLASSES), spec, source


def _first_run_choice(model, classes: list[str], spec: ClipSpec, cpu,
                      args) -> tuple[ClipClassifier, float]:
    """The automatic choice as a user's first run makes it (nothing cached, default budget), and
    the seconds it took."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="highlights-bench-paths-") as cache_dir:
        classifier = ClipClassifier(model, classes, spec, backend="auto", cpu=cpu,
                                    path_cache=PathCache(Path(cache_dir) / "inference-paths.json"),
                                    measure_rounds=args.auto_rounds,
                                    measure_budget_s=args.auto_budget_s or None,
                                    progress=lambda line: print(f"  auto: {line}", file=sys.stderr,
                                                                flush=True))
    return classifier, time.perf_counter() - started


def _print_first_run_choice(report: dict, picked_s: float, budget_s: float) -> None:
    race_report = report.get("measure_race") or {}
    cuts = race_report.get("cut_after_round", {})
    rounds_cut = ", ".join(f"{n} after round {r}"
                           for r, n in sorted(Counter(cuts.values()).items()))
    print(f"auto picked {report['layout']} in {picked_s:.1f} s (a first run's measurement: budget "
          f"{budget_s:.0f} s, batch {report['measure_batch']}; "
          f"{len(report['measured_clips_per_s'])} layouts timed, {len(cuts)} cut by its race "
          f"({rounds_cut or 'none'}), "
          f"the pick timed {report['measure_rounds']} rounds; load average "
          f"{os.getloadavg()[0]:.2f})")
    auto_skipped = report.get("measure_skipped") or {}
    if auto_skipped:
        print(f"auto's measurement left out, to fit {auto_skipped.get('budget_s'):.0f} s: "
              f"{describe_skipped(auto_skipped)}")


def _build_paths(model, x: torch.Tensor, reference: torch.Tensor, eager, cpu, spec: ClipSpec,
                 classes: list[str], classifier: ClipClassifier,
                 args) -> tuple[dict[str, object], dict[str, dict], dict | None]:
    """Every path to time, built, each with its logits on `x` checked against eager's
    (`reference`); and int8's verdict on the test split where a dataset is given."""
    checks: dict[str, dict] = {"eager": {"max_abs_diff": 0.0, "same_argmax": True}}
    built: dict[str, object] = {"eager": eager}

    def add(name: str, make) -> None:
        started = time.perf_counter()
        try:
            built[name] = make(args.threads)
        except Exception as exc:  # report and go on: one broken path must not hide the others
            print(f"{name}: cannot build ({type(exc).__name__}: {exc})")
            return
        logits = built[name](x)
        check = compare_logits(reference, logits)
        checks[name] = {"max_abs_diff": check.max_abs_diff, "same_argmax": check.same_argmax,
                        "argmax_agreement": float((reference.argmax(1)
                                                  == logits.argmax(1)).float().mean()),
                        "build_s": round(time.perf_counter() - started, 2)}

    for name in [p for p in args.paths.split(",") if p]:
        add(name, lambda n, name=name: build_backend(name, model, x[:1], num_threads=n))
    if args.bf16 == "force" or (args.bf16 == "auto" and cpu.native_bf16):
        add("bf16_autocast",
            lambda n: Bf16AutocastBackend(model, cpu=cpu, allow_emulated=args.bf16 == "force"))
    elif args.bf16 == "auto":
        print("bf16: not timed (no native bf16 on this CPU; --bf16 force times the emulated path)")

    int8_verdict = None
    if not args.skip_int8:
        if args.checkpoint and args.dataset:
            calib, _ = _dataset_clips(args.dataset, args.version, "train", spec, classes, 8)
            test_x, test_y = _dataset_clips(args.dataset, args.version, "test", spec, classes,
                                            args.test_limit)
            int8_verdict = classifier.evaluate_int8(test_x, test_y, calibration=calib)
        else:
            calib = torch.randn(2, 3, spec.num_frames, spec.crop_size, spec.crop_size)
        add("onnxruntime_int8", lambda n: OnnxRuntimeInt8Backend(model, calib, num_threads=n))
    return built, checks, int8_verdict


def _layout_runners(built: dict[str, object], threads: int,
                    batch: int) -> tuple[dict[str, object], list[ChunkRunner]]:
    """Every layout the automatic choice considers, for every path built here, as a runner of
    the batch; and the pools to close after."""
    runners: dict[str, object] = {}
    pools: list[ChunkRunner] = []
    for layout in candidate_layouts(list(built), threads=threads, batch=batch):
        backend = built[layout.backend]
        with_threads = getattr(backend, "with_threads", None)
        if with_threads is not None and getattr(backend, "num_threads",
                                                layout.intra_threads) != layout.intra_threads:
            backend = with_threads(layout.intra_threads)  # ONNX Runtime sizes its pool per session
        pool = ChunkRunner(chunk_size=layout.chunk_size, workers=layout.workers,
                           intra_threads=layout.intra_threads)
        pools.append(pool)
        runners[layout.label] = (lambda r, b: (lambda a: r(b, a)))(pool, backend)
    return runners, pools


def _interleaved_times(runners: dict[str, object], x: torch.Tensor,
                       repeats: int) -> dict[str, list[float]]:
    """Seconds per call of each row on `x`, timed as the automatic choice and the int8/bf16
    verdicts time their candidates (``measure_interleaved``): a warm-up call each (first calls
    allocate, oneDNN picks kernels), then interleaved rounds whose order rotates, so no row always
    follows the same neighbour."""
    print(f"timing {len(runners)} rows: 1 warm-up and {repeats} interleaved rounds",
          file=sys.stderr)

    def time_one(key: str) -> float:
        started = time.perf_counter()
        runners[key](x)
        return time.perf_counter() - started

    def said_round(done: int, rounds: int) -> None:
        print(f"  round {done}/{rounds} done (load average {os.getloadavg()[0]:.2f})",
              file=sys.stderr, flush=True)

    with torch.inference_mode():
        return measure_interleaved(list(runners), time_one, rounds=repeats, warmup=1,
                                   on_round=said_round)


def _print_rows(times: dict[str, list[float]], checks: dict[str, dict], batch: int, baseline: str,
                repeats: int, load_after: float) -> list[dict]:
    """Each row's median and best clips/s, its ratio to eager and its agreement, slowest first."""
    median_base = batch / statistics.median(times[baseline])
    rows = []
    print(f"\nclips/s on batch {batch}, median of {repeats} interleaved rounds (best beside it); "
          f"load average (1 min) after them: {load_after:.2f}; x eager: against {baseline}")
    print(f"{'path, layout':50s} {'median':>7s} {'x eager':>8s} {'best':>6s} {'max|dlogit|':>12s} "
          f"{'argmax':>7s}")
    for key, samples in sorted(times.items(), key=lambda item: statistics.median(item[1])):
        best, median = batch / min(samples), batch / statistics.median(samples)
        check = checks.get(key) or checks[key.split(" ")[0]]
        rows.append({"path": key, "best_clips_per_s": best, "median_clips_per_s": median,
                     "median_ratio_to_eager": median / median_base, "seconds": samples, **check})
        agree = "same" if check["same_argmax"] else f"{check.get('argmax_agreement', 0):.0%}"
        print(f"{key:50s} {median:7.2f} {median / median_base:7.2f}x {best:6.2f} "
              f"{check['max_abs_diff']:12.2e} {agree:>7s}")
    return rows


def _print_auto_against_best(rows: list[dict], report: dict, picked_key: str, batch: int,
                             repeats: int, load_after: float) -> float:
    """How far the automatic choice is from the best row it could have picked (its share of it),
    then the reduced-precision rows beside the best fp32 one."""
    # Auto chooses among the paths it was offered: the fp32 ones, plus int8/bf16 only where a
    # verdict on a test set sits beside the checkpoint (never for these random weights). It is
    # judged against the best row among those; the reduced-precision rows are printed beside.
    offered = {label.split(" ")[0] for label in report["measured_clips_per_s"]}
    choosable = [r for r in rows if r["path"] != picked_key and r["path"].split(" ")[0] in offered]
    best_row = max(choosable, key=lambda r: r["median_clips_per_s"])
    auto_row = next(r for r in rows if r["path"] == picked_key)
    own_row = next((r for r in rows if r["path"] == report["layout"]), None)
    auto_share = auto_row["median_clips_per_s"] / best_row["median_clips_per_s"]
    verdict = "within" if auto_share >= 1 - AUTO_TOLERANCE else "NOT within"
    print(f"\nauto ({report['layout']}) median {auto_row['median_clips_per_s']:.2f} clips/s = "
          f"{auto_share:.1%} of the best row it could pick ({best_row['path']}, "
          f"{best_row['median_clips_per_s']:.2f}; paths offered: {', '.join(sorted(offered))}): "
          f"{verdict} {AUTO_TOLERANCE:.0%} (medians of {repeats} interleaved rounds on batch "
          f"{batch}, load average {load_after:.2f})")
    if own_row is not None:
        rank = 1 + sorted((r["median_clips_per_s"] for r in choosable), reverse=True).index(
            own_row["median_clips_per_s"])
        print(f"the picked layout's own row: {own_row['median_clips_per_s']:.2f} clips/s = "
              f"{own_row['median_clips_per_s'] / best_row['median_clips_per_s']:.1%} of the best, "
              f"rank {rank} of {len(choosable)}")
    for unoffered in sorted({r["path"].split(" ")[0] for r in rows} - offered - {"auto"}):
        fastest = max((r for r in rows if r["path"].split(" ")[0] == unoffered),
                      key=lambda r: r["median_clips_per_s"])
        # An fp32 path is missing from auto's measurement only where its budget left it out.
        why = ("offered to auto only with a verdict on a test set beside the checkpoint"
               if unoffered in REDUCED_PRECISION else "left out of auto's measurement to fit its "
                                                      "budget")
        print(f"{unoffered} ({why}): best {fastest['path']} {fastest['median_clips_per_s']:.2f} "
              f"clips/s = {fastest['median_clips_per_s'] / best_row['median_clips_per_s']:.2f}x "
              "the best row auto could pick")
    return auto_share


def _print_bf16_against_fp32(rows: list[dict]) -> None:
    for row in [r for r in rows if r["path"].startswith("bf16_autocast ")]:
        # bf16 is the folded channels-last model under autocast: compare with the same in fp32.
        layout = row["path"][len("bf16_autocast "):]
        fp32_row = next((r for r in rows if r["path"] == f"folded_channels_last {layout}"), None)
        if fp32_row is not None:
            print(f"bf16 vs fp32 (folded channels-last, {layout}): {row['median_clips_per_s']:.2f} "
                  f"vs {fp32_row['median_clips_per_s']:.2f} clips/s = "
                  f"{row['median_clips_per_s'] / fp32_row['median_clips_per_s']:.2f}x, max "
                  f"|dlogit| {row['max_abs_diff']:.2e}, same argmax: {row['same_argmax']}")


def _print_int8(int8_verdict: dict | None, built: dict[str, object], checks: dict[str, dict],
                classifier: ClipClassifier, spec: ClipSpec, args) -> None:
    """int8's accuracy change on the test split, or, without a dataset, its agreement with fp32
    on more random clips (recorded in `checks`)."""
    if int8_verdict:
        print(f"\nint8 on {int8_verdict['num_clips']} test clips: accuracy fp32 "
              f"{int8_verdict['fp32_accuracy']:.3f} -> int8 {int8_verdict['int8_accuracy']:.3f} "
              f"({int8_verdict['accuracy_change_points']:+.1f} points), accepted: "
              f"{int8_verdict['accepted']}")
    elif not args.skip_int8 and "onnxruntime_int8" in built:
        extra = torch.randn(args.agreement_clips, 3, spec.num_frames, spec.crop_size,
                            spec.crop_size)
        fp32 = torch.from_numpy(classifier.predict_logits(extra))
        int8 = ChunkRunner(chunk_size=1)(built["onnxruntime_int8"], extra)
        agreement = float((fp32.argmax(1) == int8.argmax(1)).float().mean())
        checks["onnxruntime_int8"]["agreement_on_extra_clips"] = agreement
        print(f"\nint8 vs fp32 ({classifier.backend}) on {args.agreement_clips} more random clips "
              f"(fp32 predicts {len(set(fp32.argmax(1).tolist()))} different classes on them): "
              f"same argmax on {agreement:.1%}, max |logit diff| "
              f"{float((fp32 - int8).abs().max()):.2e}, fp32 logit range "
              f"{float(fp32.min()):.2f}..{float(fp32.max()):.2f}. Agreement only: pass "
              "--checkpoint and --dataset for the accuracy change on a test set.")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    bench_started = time.perf_counter()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model, classes, spec, source = _model_to_time(args)
    cpu = this_cpu()
    print(f"CPU: {cpu.describe()}")
    print(f"load average (1 min) at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} logical "
          "CPUs (figures taken under load are not speed figures)")

    classifier, picked_s = _first_run_choice(model, classes, spec, cpu, args)
    report = classifier.backend_report
    batch = args.batch or int(report["measure_batch"])
    x = torch.randn(batch, 3, spec.num_frames, spec.crop_size, spec.crop_size)
    print(f"model: {source}; batch {batch} x "
          f"3x{spec.num_frames}x{spec.crop_size}x{spec.crop_size}, fp32, torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads")
    _print_first_run_choice(report, picked_s, args.auto_budget_s)

    eager = build_backend("eager", model, x[:1])
    with torch.inference_mode():
        reference = torch.cat([eager(x[i:i + 1]) for i in range(x.shape[0])])
    built, checks, int8_verdict = _build_paths(model, x, reference, eager, cpu, spec, classes,
                                               classifier, args)
    runners, pools = _layout_runners(built, args.threads, batch)
    # The reference row: plain PyTorch, one call for the whole batch on every thread.
    baseline = PathLayout("eager", workers=1, chunk_size=batch,
                          intra_threads=max(1, args.threads)).label
    picked_key = f"auto -> {report['layout']}"
    runners[picked_key] = classifier.predict_logits
    picked_check = compare_logits(reference, torch.as_tensor(classifier.predict_logits(x)))
    checks[picked_key] = {"max_abs_diff": picked_check.max_abs_diff,
                          "same_argmax": picked_check.same_argmax}

    times = _interleaved_times(runners, x, args.repeats)
    for pool in pools:
        pool.close()
    load_after = os.getloadavg()[0]
    rows = _print_rows(times, checks, batch, baseline, args.repeats, load_after)
    auto_share = _print_auto_against_best(rows, report, picked_key, batch, args.repeats, load_after)
    _print_bf16_against_fp32(rows)
    _print_int8(int8_verdict, built, checks, classifier, spec, args)
    classifier.close()
    total_s = time.perf_counter() - bench_started
    print(f"\nbench wall time {total_s / 60:.1f} min (auto's first-run measurement {picked_s:.0f} "
          "s of it)")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "picked": report, "cpu": cpu.to_dict(),
                                         "auto_share_of_best": auto_share, "auto_seconds": picked_s,
                                         "int8": int8_verdict, "threads": args.threads,
                                         "load_average_1min": load_after, "wall_s": total_s,
                                         "batch": batch, "model": source,
                                         "model_sha256": file_sha256(args.checkpoint)
                                         if args.checkpoint else None,
                                         "highlights_version": __version__,
                                         "options": {k: str(v) if isinstance(v, Path) else v
                                                     for k, v in vars(args).items()}}, indent=2))
    return 0

if __name__ == "__main__":
    run_script(main)
