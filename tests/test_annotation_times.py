"""Times as hand-written annotation files hold them: seconds or a clock, read one way."""

from __future__ import annotations

import pytest

from highlights.events.times import seconds_of


@pytest.mark.parametrize("value, seconds", [
    (75.5, 75.5), (80, 80.0), ("75.5", 75.5), (" 75.5 ", 75.5),
    ("1:15.5", 75.5), ("0:59.999", 59.999), ("1:02:03", 3723.0), (" 0:01:15 ", 75.0),
    ("75:30", 4530.0),  # without hours, minutes run past 59: a clock that counts the game's minutes
    ("1:05.", 65.0),
])
def test_seconds_and_clocks_read_as_seconds(value, seconds):
    assert seconds_of(value, "start_s") == pytest.approx(seconds)


@pytest.mark.parametrize("value, cause", [
    ("1:60", "is not a clock time"), ("0:00:60.5", "is not a clock time"),
    ("1:60:00", "is not a clock time"),  # with hours given, minutes run to 59
    (True, "is not a time"),  # JSON's true is no number of seconds
    ("1:15.5s", "is not a time"), ("1:2:3:4", "is not a time"), ("", "is not a time"),
])
def test_what_is_no_time_is_refused_naming_the_field(value, cause):
    with pytest.raises(ValueError, match=f"^key_s {value!r} {cause}"):
        seconds_of(value, "key_s")
