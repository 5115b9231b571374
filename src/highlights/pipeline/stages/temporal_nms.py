"""Merge by temporal non-maximum suppression, then padding and length limits
(`merge.backend=temporal_nms`; the functions are in `highlights.pipeline.merge`). The survivors are
scored as the `actions` merge scores its highlights (`merge.score_calibration`: the classifier's
probability by default, or a calibration) and ranked; the caps `merge.highlight_min_score`,
`merge.max_highlights` and `merge.reel_seconds` apply as there. Suppression itself runs on the
classifier's probabilities, so the calibration changes scores and ranks, never which highlights
survive."""

from __future__ import annotations

from highlights.pipeline.merge import merge_candidates
from highlights.pipeline.records import Candidate
from highlights.pipeline.registry import register
from highlights.pipeline.roles import Merger


@register
class TemporalNmsMerge(Merger):
    name = "merge"
    backend = "temporal_nms"

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        from highlights.pipeline.ranking import resolve_calibration

        self.calibration = resolve_calibration(config)

    def merge(self, candidates: list[Candidate]) -> list[Candidate]:
        from highlights.pipeline.ranking import keep_ranked, score_highlights

        info = self.context.info
        merged = merge_candidates(candidates, self.settings, float(info.duration_s),
                                  float(info.start_s))
        scored = score_highlights(merged, self.calibration, self.context.trace)
        kept, self.context.shared["merge_summary"] = keep_ranked(scored, self.settings, len(candidates))
        return kept
