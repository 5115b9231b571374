"""Finds the pipeline settings a Markdown manual states as defaults, and checks each value against
`PipelineConfig()`: a default changed in the code cannot leave the manual quoting the old one.

Only these phrasings are read (a setting's code span, its value as the manual writes it):
- "by default (`merge.reel_share=0.1`, `merge.reel_min_seconds=60`)": the word default earlier in
  the same sentence, then parentheses holding only `key=value` spans;
- "`classifier.backend=pose` (the default)", "`key=value` by default";
- "`detection.movenet_workers=W`, default 1", "`detection.movenet_frames_per_worker` frames
  (default 2)": a setting's span (its value a placeholder or left out), at most one word, then
  "default" and the value;
- "`detection.movenet_zoom_target_px` (64)", "every `detection.movenet_whole_every`-th frame (5)":
  a setting's name (and the ordinal's "-th" and one word) and, in parentheses, a number alone;
- "`detection.movenet_interpolate_below=1.1` (off by default)": the default is off (0 or false).
A value is the default when setting it changes nothing (`PipelineConfig.with_overrides`, which
reads `60` as 60.0 and `false` as False as a user's `--set` would be read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from highlights.errors import ConfigError
from highlights.pipeline.config import SECTIONS, PipelineConfig

_KEY = rf"(?:{'|'.join(SECTIONS)})\.[a-z_][a-z0-9_]*"
_PAIR = rf"`(?:--set )?({_KEY})=([^`\s]+)`"
_PLACEHOLDER = r"[A-Z][A-Z_]*"
_VALUE = r"([\w.+-]*\w)"  # a word or number, without the sentence's punctuation after it

# "default ... (`k=v`, `k=v`)": no full stop, semicolon or code span between the word and the brackets.
_DEFAULT_THEN_PAIRS = re.compile(rf"\bdefault\b[^.;`]*?\(({_PAIR}(?:,\s*{_PAIR})*)\)")
# "`k=v` (the default" / "`k=v` (default)" / "`k=v` by default"
_PAIR_THEN_DEFAULT = re.compile(rf"{_PAIR}\s+(?:\((?:the\s+)?default\b|by\s+default\b)")
# "`k=W`, default 1" / "`k` frames (default 2)"
_NAME_THEN_DEFAULT = re.compile(rf"`({_KEY})(?:={_PLACEHOLDER})?`(?:\s+[a-z]+)?\s*(?:,|\()\s*default\s+{_VALUE}")
# "`k` (64)", "`k`-th frame (5)"
_NAME_THEN_NUMBER = re.compile(rf"`({_KEY})`(?:-th\s+[a-z]+)?\s+\((\d+(?:\.\d+)?)\)")
# "`k=v` (off by default)"
_PAIR_OFF_BY_DEFAULT = re.compile(rf"{_PAIR}\s+\(off by default\)")


@dataclass(frozen=True)
class StatedDefault:
    where: str  # FILE:LINE
    key: str
    value: str | None  # None: stated as off
    text: str  # the words that state it


def stated_defaults(text: str, name: str) -> list[StatedDefault]:
    """Every setting `text` (a Markdown page, outside its code blocks) states a default of."""
    prose = re.sub(r"^```.*?^```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S | re.M)
    flat = prose.replace("\n", " ")  # sentences run over lines; offsets stay those of `prose`

    def where(offset: int) -> str:
        return f"{name}:{prose.count(chr(10), 0, offset) + 1}"

    found: list[StatedDefault] = []
    for m in _DEFAULT_THEN_PAIRS.finditer(flat):
        for pair in re.finditer(_PAIR, m.group(1)):
            found.append(StatedDefault(where(m.start(1) + pair.start()), pair.group(1), pair.group(2), m.group(0)))
    for pattern in (_PAIR_THEN_DEFAULT, _NAME_THEN_DEFAULT, _NAME_THEN_NUMBER):
        for m in pattern.finditer(flat):
            found.append(StatedDefault(where(m.start()), m.group(1), m.group(2), m.group(0)))
    for m in _PAIR_OFF_BY_DEFAULT.finditer(flat):
        found.append(StatedDefault(where(m.start()), m.group(1), None, m.group(0)))
    return sorted(found, key=lambda s: (s.where, s.key))


def check_stated_default(stated: StatedDefault) -> list[str]:
    """A problem line when the code's default is not the stated one."""
    default = PipelineConfig()
    try:
        actual = default.get(stated.key)
        if stated.value is None:
            right = not actual
        else:
            right = default.with_overrides({stated.key: stated.value}) == default
    except ConfigError as e:
        return [f"{stated.where}: {stated.text!r}: {e}"]
    if right:
        return []
    return [f"{stated.where}: {stated.text!r} states a default, but the code's {stated.key} is {actual!r}"]
