"""The segment of a missed event marked in the review: cut as the detect run cut its highlights.

A highlight's segment is its classifier window around the key moment, padded and fitted to the
length limits inside the video (`pipeline.merge.fit_length`, settings `classifier.window_s` and
`merge.*`: 4.5 s by default). A missed event is marked at one time, the playhead, and its clip
goes into the same dataset as the highlights' clips: given the same span around that time, the
model is not taught that its own misses are shorter actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from highlights.pipeline.config import LEGACY_KEYS, ClassifierConfig, MergeConfig, flatten
from highlights.pipeline.merge import fit_length


@dataclass(frozen=True)
class HighlightFit:
    """The settings a detect run fitted each highlight's segment with."""

    window_s: float = ClassifierConfig.window_s
    pad_before_s: float = MergeConfig.pad_before_s
    pad_after_s: float = MergeConfig.pad_after_s
    min_length_s: float = MergeConfig.min_length_s
    max_length_s: float = MergeConfig.max_length_s

    @classmethod
    def of_run(cls, config: Any) -> "HighlightFit":
        """The settings a highlights.json's `config` records (in sections, or the older flat
        names); a setting it does not record (or not as a number) has the pipeline's default."""
        recorded = flatten(config) if isinstance(config, dict) else {}
        legacy = {new[0]: old for old, new in LEGACY_KEYS.items()}
        values = {}
        for name, key in (("window_s", "classifier.window_s"),
                          *((n, f"merge.{n}") for n in ("pad_before_s", "pad_after_s",
                                                        "min_length_s", "max_length_s"))):
            value = recorded.get(key, recorded.get(legacy.get(key, key)))
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                values[name] = float(value)
        return cls(**values)

    def around(self, at_s: float, duration_s: float,
               first_picture_s: float = 0.0) -> tuple[float, float]:
        """The segment a highlight keyed at `at_s` gets: the classifier window centred on it,
        padded and fitted to the length limits, inside the video, from its first picture
        (`first_picture_s`) to its end (shorter only where the video is)."""
        half = self.window_s / 2
        # Fitting shifts the padded window back inside the video, keeping its length: a marked
        # event near an end of the video gets as long a clip as one in its middle.
        return fit_length(at_s - half, at_s + half, at_s,
                          pad_before=self.pad_before_s, pad_after=self.pad_after_s,
                          min_len=self.min_length_s,
                          max_len=max(self.min_length_s, self.max_length_s), duration=duration_s,
                          first_picture_s=first_picture_s)
