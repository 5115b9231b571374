"""The project's average-mAP against SoccerNet's official evaluation on a larger random set.

    .venv/bin/python bench/bench_average_map.py    # 4 games, 6 classes, 100 false alarms a half
    .venv/bin/python bench/bench_average_map.py --games 10 --classes 17 --spots 1500 --seed 1

Writes random games (both halves, events of every class, a spot near most events, and false
alarms with random confidences) as
`Labels-v2.json` and `results_spotting.json` into a temporary folder, scores them with
`SoccerNet.Evaluation.ActionSpotting.evaluate` (the `SoccerNet` package, a test dependency) and
with `highlights.events.average_map`, and prints both average-mAPs, the largest difference over
the average and every class, and each one's time. The tests check the same on small fixtures.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script
from highlights.events.average_map import LOOSE_DELTAS_S, TIGHT_DELTAS_S, average_map


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=4, help="random games, two halves each")
    ap.add_argument("--classes", type=int, default=6, help="event classes")
    ap.add_argument("--spots", type=int, default=100, help="false-alarm spots per half")
    ap.add_argument("--seed", type=int, default=3, help="seed of the random games")
    args = ap.parse_args()
    from SoccerNet.Evaluation.ActionSpotting import evaluate

    rng = np.random.default_rng(args.seed)
    classes = [f"class_{i}" for i in range(args.classes)]
    truth: dict[str, list] = {k: [] for k in ("t", "label", "group")}
    pred: dict[str, list] = {k: [] for k in ("t", "label", "conf", "group")}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for g in range(args.games):
            labels, preds = [], []
            for half in (1, 2):
                for c in classes:
                    for t in rng.uniform(0, 2700, rng.integers(0, 15)):
                        ms = int(round(t * 1000))
                        labels.append({"gameTime": f"{half} - 00:00", "label": c,
                                       "position": str(ms), "visibility": "visible"})
                        truth["t"].append(ms / 1000), truth["label"].append(c)
                        truth["group"].append((g, half))
                        # a detection near most events, more confident than chance
                        if rng.random() < 0.7:
                            p_ms, conf = (max(0, int(ms + rng.normal(0, 2000))),
                                          float(rng.beta(4, 2)))
                            preds.append({"label": c, "position": str(p_ms), "half": str(half),
                                          "confidence": repr(conf)})
                            pred["t"].append(p_ms / 1000), pred["label"].append(c)
                            pred["conf"].append(conf)
                            pred["group"].append((g, half))
                for _ in range(args.spots):
                    c, ms, conf = (classes[rng.integers(len(classes))],
                                   int(rng.uniform(0, 2700) * 1000), float(rng.random()))
                    preds.append({"label": c, "position": str(ms),
                                  "half": str(half), "confidence": repr(conf)})
                    pred["t"].append(ms / 1000), pred["label"].append(c), pred["conf"].append(conf)
                    pred["group"].append((g, half))
            for sub, name, data in (("labels", "Labels-v2.json", {"annotations": labels}),
                                    ("preds", "results_spotting.json", {"predictions": preds})):
                (root / sub / f"game{g}").mkdir(parents=True)
                (root / sub / f"game{g}" / name).write_text(json.dumps(data))
        n_events, n_spots = len(truth["t"]), len(pred["t"])
        print(f"{args.games} games x 2 halves, {len(classes)} classes, {n_events} events, "
              f"{n_spots} spots")
        for metric, deltas in (("tight", TIGHT_DELTAS_S), ("loose", LOOSE_DELTAS_S)):
            t0 = time.perf_counter()
            with contextlib.redirect_stderr(io.StringIO()):  # its progress bars
                ref = evaluate(str(root / "labels"), str(root / "preds"), dataset=None, version=2,
                               framerate=2,
                               metric=metric,
                               EVENT_DICTIONARY={c: i for i, c in enumerate(classes)})
            t1 = time.perf_counter()
            ours = average_map(truth["t"], truth["label"], pred["t"], pred["label"], pred["conf"],
                               classes=classes,
                               deltas_s=deltas, true_groups=truth["group"],
                               pred_groups=pred["group"])
            t2 = time.perf_counter()
            diff = max([abs(ours.average_map - ref["a_mAP"])]
                       + [abs(ours.per_class[c] - ref["a_mAP_per_class"][i])
                          for i, c in enumerate(classes)])
            print(f"{metric:5s}: official {ref['a_mAP']:.6f} ({t1 - t0:.1f} s), highlights "
                  f"{ours.average_map:.6f} ({t2 - t1:.2f} s), largest difference over the average "
                  f"and {len(classes)} classes: {diff:.2e}")


if __name__ == "__main__":
    run_script(main)
