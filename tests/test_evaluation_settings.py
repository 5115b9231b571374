"""`evaluate_checkpoint` takes every option of `EvaluationSettings`, with the same default: the
scoring steps read the settings, so an option the function did not take or defaulted otherwise
would never reach them as documented."""

from __future__ import annotations

import inspect
from dataclasses import MISSING, fields

from highlights.train.evaluation import evaluate_checkpoint
from highlights.train.evaluation_settings import EvaluationSettings

# What is scored and where the report goes, beside how it is scored.
WHAT_AND_WHERE = {"root", "version", "out_dir", "clips_root", "split", "log"}


def test_evaluate_checkpoint_takes_every_evaluation_setting_with_its_default() -> None:
    parameters = inspect.signature(evaluate_checkpoint).parameters
    keywords = {name for name, p in parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert keywords - WHAT_AND_WHERE == {f.name for f in fields(EvaluationSettings)}
    for field in fields(EvaluationSettings):
        assert field.default is not MISSING
        assert parameters[field.name].default == field.default, field.name
