"""What a short measuring budget left out is printed in words by the path choice's progress,
`highlights bench-paths` and bench/bench_inference.py alike (both printed Python's list and dict)."""

from __future__ import annotations

from highlights.model.classifier import describe_skipped


def test_paths_not_built_and_rounds_cut_in_words():
    skipped = {"paths": ["onnxruntime", "channels_last"], "rounds": {"requested": 3, "timed": 1}, "budget_s": 30.0}
    assert describe_skipped(skipped) == ("paths not built: onnxruntime, channels_last, "
                                         "the finalists were timed 1 of 3 rounds")


def test_only_rounds_cut_names_no_paths():
    assert describe_skipped({"rounds": {"requested": 3, "timed": 2}, "budget_s": 30.0}) == \
        "the finalists were timed 2 of 3 rounds"

