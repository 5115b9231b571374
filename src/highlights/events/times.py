"""Times as people write them in annotation files made by hand: seconds (`75.5`, `"75.5"`) or a
clock (`"1:15.5"`, `"0:01:15"`), read the same way wherever an annotation holds a time."""

from __future__ import annotations

import re
from typing import Any

# [H:]M:S with optional fraction of a second
_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)$")


def seconds_of(value: Any, what: str) -> float:
    """`value` in seconds; `what` names the field in the error of a value that is no time."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, secs = clock.groups()
        if float(secs) >= 60 or (hours is not None and int(minutes) >= 60):
            raise ValueError(f"{what} {value!r} is not a clock time (seconds and minutes run to 59)")
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a time (seconds such as 75.5, or a clock such as "
                         "1:15.5)") from None
