"""How often the test report's 95% intervals hold the truth, on simulated test sets.

    .venv/bin/python bench/bench_interval_coverage.py    # 1,000 sets a size, 16, 37, 117 clips
    .venv/bin/python bench/bench_interval_coverage.py --sets 50 --sizes 37 --bootstrap 200 --seed 1

The population is fixed: 4 classes in the shares of the 37 real clips docs/pose-classifier.md
measures on (8 baseball_swing, 10 basketball_layup, 8 soccer_shooting, 11 none), and a model that
predicts each true class as the rows of `PREDICTED_GIVEN_TRUE` say (0.78-0.87 right, its mistakes
mostly `none`). Its expected confusion (class share x predicted-given-true) gives the true figures:
accuracy 0.834, each class's F1 0.844, 0.874, 0.825, 0.801, macro-F1 0.836 (their mean).

Each simulated test set draws its clips independently from that population (so a small set can
lack a class), and its intervals are the ones the test report prints, computed by the report's own
`bootstrap_intervals` (accuracy: Wilson's; macro-F1 and each class's F1: the percentile bootstrap
over test clips, with the report's resample count and seed). An interval holds the truth when the
population's figure lies inside it. For macro-F1 and each class's F1 that is the population's F1,
not the F1 a test set of that size has on average (F1 is a ratio: its mean over small sets differs
from the population's); the population's is what the interval is read as covering. Each line prints
the coverage with its own Wilson interval over the simulated sets, the mean width, and, for a
class's F1, how often the report printed no interval (the test set held no clip of the class).

It also prints, computed exactly over every count a test set could give, how often Wilson's
interval of accuracy holds the true accuracy at 15 clips and 0.87 and at 10 clips and 0.90, beside
the percentile bootstrap of the test clips the report used for accuracy before Wilson's.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import binom

from highlights.cli.boundary import run_script
from highlights.rate_interval import wilson_interval
from highlights.report.metrics import CONFIDENCE, bootstrap_intervals, confusions_of

LABELS = ("baseball_swing", "basketball_layup", "soccer_shooting", "none")
CLASS_COUNTS = (8, 10, 8, 11)  # the 37 real clips docs/pose-classifier.md's table is measured on
# Rows: true class; columns: the predicted class's probability, in the order of LABELS.
PREDICTED_GIVEN_TRUE = (
    (0.82, 0.02, 0.03, 0.13),
    (0.03, 0.85, 0.02, 0.10),
    (0.03, 0.03, 0.78, 0.16),
    (0.04, 0.05, 0.04, 0.87),
)
# (test clips, true accuracy) at which the exact accuracy coverage is printed: docs/scoring.md's
# figures.
EXACT_ACCURACY_POINTS = ((15, 0.87), (10, 0.90))


@dataclass(frozen=True)
class Population:
    """A classifier's population: `joint[i, j]` is the chance a clip is of class i and predicted
    j."""

    labels: tuple[str, ...]
    joint: np.ndarray

    @classmethod
    def from_shares(cls, labels, class_counts, predicted_given_true) -> Population:
        shares = np.asarray(class_counts, dtype=np.float64) / np.sum(class_counts)
        rows = np.asarray(predicted_given_true, dtype=np.float64)
        if not np.allclose(rows.sum(axis=1), 1.0):
            raise ValueError("each row of predicted-given-true must sum to 1")
        return cls(tuple(labels), shares[:, None] * rows)

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.joint))

    @property
    def class_f1(self) -> np.ndarray:
        """Each class's F1 of the expected confusion: 2 right / (true + predicted), in shares."""
        return 2 * np.diag(self.joint) / (self.joint.sum(axis=0) + self.joint.sum(axis=1))

    @property
    def macro_f1(self) -> float:
        return float(self.class_f1.mean())

    def truths(self) -> dict[str, float]:
        return {"accuracy": self.accuracy, "macro-F1": self.macro_f1,
                **{f"F1 {label}": float(f1) for label, f1 in zip(self.labels, self.class_f1)}}

    def draw(self, size: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
        """A test set of `size` clips drawn independently: its true and predicted class names."""
        k = len(self.labels)
        cells = rng.choice(k * k, size=size, p=self.joint.ravel())
        return [self.labels[c // k] for c in cells], [self.labels[c % k] for c in cells]


@dataclass
class Coverage:
    """How often one interval held the truth over the simulated test sets of one size."""

    size: int
    interval: str
    truth: float
    sets: int = 0
    printed: int = 0
    held: int = 0
    widths: list[float] = field(default_factory=list)

    def add(self, interval: list[float] | tuple[float, float] | None) -> None:
        self.sets += 1
        if interval is None:
            return
        lo, hi = interval
        self.printed += 1
        self.held += int(lo <= self.truth <= hi)
        self.widths.append(hi - lo)

    @property
    def rate(self) -> float | None:
        """The share of printed intervals that held the truth."""
        return self.held / self.printed if self.printed else None

    @property
    def rate_interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.held, self.printed, CONFIDENCE)

    @property
    def missing(self) -> float:
        return 1 - self.printed / self.sets if self.sets else 0.0

    @property
    def mean_width(self) -> float | None:
        return float(np.mean(self.widths)) if self.widths else None


def measure_coverage(population: Population, size: int, sets: int, *, n_bootstrap: int = 1000,
                     rng: np.random.Generator, progress=None) -> list[Coverage]:
    """Coverage of accuracy's, macro-F1's and each class's F1 interval over `sets` test sets of
    `size` clips, each interval computed as the test report computes it (its default seed)."""
    truths = population.truths()
    rows = {name: Coverage(size, name, truth) for name, truth in truths.items()}
    for s in range(sets):
        y_true, y_pred = population.draw(size, rng)
        boot = bootstrap_intervals(y_true, y_pred, list(population.labels), n_bootstrap=n_bootstrap)
        rows["accuracy"].add(boot["accuracy"])
        rows["macro-F1"].add(boot["macro_f1"])
        for label, interval in zip(population.labels, boot["class_f1"]):
            rows[f"F1 {label}"].add(interval)
        if progress is not None:
            progress(s + 1)
    return list(rows.values())


def exact_accuracy_coverage(n: int, accuracy: float, *, n_bootstrap: int = 1000,
                            seed: int = 0) -> dict[str, float]:
    """How often accuracy's interval holds `accuracy` over every count of right clips a test set of
    `n` could give, each weighted by its binomial chance: Wilson's (the report's), and the
    percentile bootstrap of the test clips the report used before (resampled with the report's
    seed)."""
    lo_pct, hi_pct = 100 * (1 - CONFIDENCE) / 2, 100 * (1 + CONFIDENCE) / 2
    samples = np.random.default_rng(seed).integers(0, n, size=(n_bootstrap, n))
    covered = {"Wilson (the report's)": 0.0, "percentile bootstrap (before)": 0.0}
    for right in range(n + 1):
        chance = float(binom.pmf(right, n, accuracy))
        lo, hi = wilson_interval(right, n, CONFIDENCE)
        covered["Wilson (the report's)"] += chance * (lo <= accuracy <= hi)
        t = np.zeros(n, dtype=np.int64)
        p = np.r_[np.zeros(right, dtype=np.int64), np.ones(n - right, dtype=np.int64)]
        accuracies = np.trace(confusions_of(t[samples], p[samples], 2), axis1=1, axis2=2) / n
        lo, hi = np.percentile(accuracies, [lo_pct, hi_pct])
        covered["percentile bootstrap (before)"] += chance * (lo <= accuracy <= hi)
    return covered


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _print_table(rows: list[Coverage]) -> None:
    head = f"{'size':>5}  {'interval':<22} {'truth':>6}  {'coverage [95% CI]':<20} " \
           f"{'held/printed':>12}  " \
           f"{'mean width':>10}  {'missing':>7}"
    print(head)
    print("-" * len(head))
    for row in rows:
        ci = row.rate_interval
        cov = "-" if row.rate is None else f"{row.rate:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]"
        print(f"{row.size:>5}  {row.interval:<22} {row.truth:>6.3f}  {cov:<20} "
              f"{f'{row.held}/{row.printed}':>12}  {_fmt(row.mean_width):>10}  {row.missing:>7.1%}")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, got "
                                         f"{text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"every size must be at least 1 clip, got {text!r}")
    return sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=1000, help="simulated test sets at each size")
    ap.add_argument("--sizes", type=_sizes, default="16,37,117",
                    help="test-set sizes in clips, comma-separated")
    ap.add_argument("--seed", type=int, default=0, help="seed of the test sets drawn")
    ap.add_argument("--bootstrap", type=int, default=1000,
                    help="bootstrap resamples of each test set (the report's default: 1000)")
    args = ap.parse_args()
    sizes = args.sizes
    if args.sets < 1 or args.bootstrap < 1:
        ap.error("--sets and --bootstrap must be at least 1")

    population = Population.from_shares(LABELS, CLASS_COUNTS, PREDICTED_GIVEN_TRUE)
    print("population: classes in shares "
          + ", ".join(f"{label} {count}/{sum(CLASS_COUNTS)}"
                      for label, count in zip(LABELS, CLASS_COUNTS)))
    print("  predicted given true (rows true): "
          + "; ".join(" ".join(f"{x:.2f}" for x in row) for row in PREDICTED_GIVEN_TRUE))
    print("  true figures: "
          + ", ".join(f"{name} {value:.3f}" for name, value in population.truths().items())
          + " (macro-F1 = mean of the class F1s)")
    print(f"{args.sets} test sets a size, {args.bootstrap} bootstrap resamples each, seed "
          f"{args.seed}\n", flush=True)

    rng = np.random.default_rng(args.seed)
    rows: list[Coverage] = []
    for size in sizes:
        step = max(1, args.sets // 4)

        def progress(done: int, size=size, step=step) -> None:
            if done % step == 0 or done == args.sets:
                print(f"  {size} clips: {done}/{args.sets} sets", flush=True)

        rows += measure_coverage(population, size, args.sets, n_bootstrap=args.bootstrap, rng=rng,
                                 progress=progress)
    print()
    print("coverage: share of printed intervals holding the population's figure; missing: share of "
          "sets with no interval (the set held no clip of the class)")
    _print_table(rows)

    print("\naccuracy's interval, exact over every count of right clips (binomial weights):")
    for n, accuracy in EXACT_ACCURACY_POINTS:
        covered = exact_accuracy_coverage(n, accuracy, n_bootstrap=args.bootstrap)
        print(f"  {n} clips, true accuracy {accuracy:.2f}: "
              + ", ".join(f"{name} {value:.1%}" for name, value in covered.items()))


if __name__ == "__main__":
    run_script(main)
