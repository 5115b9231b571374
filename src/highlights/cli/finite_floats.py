"""Every number option of the `highlights` command refuses `nan` and `inf`.

click reads `nan` and `inf` as floats, and a range check lets `nan` through (no comparison with
it is true), so `--seconds nan` would reach the code as a length: a synthetic clip of nan seconds
never finishes rendering. Each float option's type is swapped, once, for a finite one here.
"""

from __future__ import annotations

import math

import click


class FiniteFloat(click.types.FloatParamType):
    """click's FLOAT, refusing the values that are not numbers a setting can take."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


class FiniteFloatRange(click.FloatRange):
    """click's FloatRange (whose range the help still shows), refusing nan and infinities."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def refuse_non_finite_floats(command: click.Command) -> None:
    """Give every float option of `command` and its sub-commands a type that refuses nan and inf."""
    for param in command.params:
        kind = param.type
        if isinstance(kind, click.FloatRange) and not isinstance(kind, FiniteFloatRange):
            param.type = FiniteFloatRange(kind.min, kind.max, min_open=kind.min_open, max_open=kind.max_open,
                                          clamp=kind.clamp)
        elif type(kind) is click.types.FloatParamType:
            param.type = FiniteFloat()
    for sub in getattr(command, "commands", {}).values():
        refuse_non_finite_floats(sub)
