"""`export_review` takes every option of `ExportSettings`, with the same default: the steps that cut
the clips, make the version and finish a stopped export read the settings, so an option the
function did not take or defaulted otherwise would never reach them as documented."""

from __future__ import annotations

import inspect
from dataclasses import MISSING, fields

from highlights.review.export import export_review
from highlights.review.export_settings import ExportSettings


def test_export_review_takes_every_export_setting_with_its_default() -> None:
    parameters = inspect.signature(export_review).parameters
    keywords = {name for name, p in parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert keywords == {f.name for f in fields(ExportSettings)}
    for field in fields(ExportSettings):
        assert field.default is not MISSING
        assert parameters[field.name].default == field.default, field.name
