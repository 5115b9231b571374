"""A float option made to refuse nan and infinities keeps the rest of its range as declared:
open or closed bounds, an upper bound, clamping, on a sub-command's option as on the group's."""

from __future__ import annotations

import click
import pytest

from highlights.cli.finite_floats import refuse_non_finite_floats


def _group() -> click.Group:
    group = click.Group("g", params=[click.Option(["--share"], type=click.FloatRange(0.0, 1.0, min_open=True))])
    group.add_command(click.Command("sub", params=[
        click.Option(["--below-one"], type=click.FloatRange(max=1.0, max_open=True)),
        click.Option(["--level"], type=click.FloatRange(0.0, 10.0, clamp=True)),
        click.Option(["--any"], type=click.FLOAT),
    ]))
    refuse_non_finite_floats(group)
    return group


def _option(command: click.Command, name: str) -> click.Parameter:
    return next(p for p in command.params if p.name == name)


def test_an_open_lower_bound_stays_open_and_a_closed_upper_bound_closed():
    share = _option(_group(), "share")
    with pytest.raises(click.BadParameter):
        share.type.convert("0", share, None)
    assert share.type.convert("1", share, None) == 1.0
    with pytest.raises(click.BadParameter):
        share.type.convert("1.5", share, None)
    with pytest.raises(click.BadParameter, match="not a finite number"):
        share.type.convert("nan", share, None)


def test_a_sub_commands_open_upper_bound_and_clamping_are_kept():
    sub = _group().commands["sub"]
    below_one = _option(sub, "below_one")
    with pytest.raises(click.BadParameter):
        below_one.type.convert("1", below_one, None)
    assert below_one.type.convert("-3", below_one, None) == -3.0
    level = _option(sub, "level")
    assert level.type.convert("20", level, None) == 10.0
    assert level.type.convert("-1", level, None) == 0.0
    for option in (below_one, level, _option(sub, "any")):
        with pytest.raises(click.BadParameter, match="not a finite number"):
            option.type.convert("nan", option, None)
    assert _option(sub, "any").type.convert("-1e300", None, None) == -1e300
