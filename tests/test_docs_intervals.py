"""The 95% intervals the docs print beside their counts are Wilson's of those counts, to the
places printed. A figure copied from one run beside another run's count (27/264 read
[0.07, 0.15], where Wilson's interval of 27/264 is [0.07, 0.14]) is caught here; an interval with
no count beside it (a bootstrap's, a mean's) is left alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.wilson_reference import wilson

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
# `0.10 [0.07, 0.14]`, and `0.10, 95% interval 0.07-0.14`
INTERVAL = re.compile(r"(\d*\.\d+)(?:\s*\[(\d*\.\d+),\s*(\d*\.\d+)\]"
                      r"|,\s*95% interval (\d*\.\d+)-(\d*\.\d+))")
COUNT = re.compile(r"(\d+)/(\d+)")
# how far before an interval its count may stand: `26/30 at 26/84, 0.31 [0.22, 0.41]`
REACH = 60


def counted_intervals(text: str):
    """(count, figure, low, high, places, where) of each interval whose figure is a count just
    before it, read to the places printed; the nearest such count is the one it is of."""
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        # with the line before: a sentence wrapped between the count and its interval
        joined = (lines[number - 2] + " " if number > 1 else "") + line
        offset = len(joined) - len(line)
        for m in INTERVAL.finditer(line):
            figure = m[1]
            low, high = (m[2], m[3]) if m[2] is not None else (m[4], m[5])
            places = len(figure.split(".")[1])
            slack = 0.5 * 10 ** -places + 1e-9
            before = joined[max(0, offset + m.start() - REACH):offset + m.start()]
            counts = [(k, n) for k, n in ((int(a), int(b)) for a, b in COUNT.findall(before))
                      if 0 <= k <= n > 0 and abs(k / n - float(figure)) <= slack]
            if counts:
                yield counts[-1], float(low), float(high), places, f"line {number}: {m.group(0)}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_an_interval_beside_its_count_is_wilsons_of_that_count(page):
    wrong = []
    for (k, n), low, high, places, where in counted_intervals(page.read_text(encoding="utf-8")):
        want = wilson(k, n)
        slack = 0.5 * 10 ** -places + 1e-9
        if abs(low - want[0]) > slack or abs(high - want[1]) > slack:
            wrong.append(f"{page.name} {where}: of {k}/{n}, Wilson's is "
                         f"[{want[0]:.{places}f}, {want[1]:.{places}f}]")
    assert not wrong, wrong


def test_the_reading_finds_the_count_and_catches_a_wrong_interval():
    text = ("at precision 27/264 (0.10 [0.07, 0.15]) and\n"
            "26/84 (0.31, 95% interval 0.22-0.41); 0.54 [0.38, 0.68]")
    found = list(counted_intervals(text))
    assert [(count, low, high) for count, low, high, _, _ in found] == [((27, 264), 0.07, 0.15),
                                                                      ((26, 84), 0.22, 0.41)]
    (k, n), _, high, _, _ = found[0]
    assert round(wilson(k, n)[1], 2) == 0.14 != high
