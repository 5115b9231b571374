"""One action -> one highlight (`merge.backend=actions`): detections whose key moments
lie within `merge.action_gap_s` of the best one, or whose windows overlap its window by more than
`merge.nms_iou`, become one highlight covering them all; each gets a score
(calibrated by `merge.score_calibration`: the packaged calibration by default), padding
and length limits, a rank, and the caps `merge.highlight_min_score`, `merge.max_highlights` and
`merge.reel_seconds`. The functions are in `highlights.pipeline.ranking`."""

from __future__ import annotations

from highlights.pipeline.merge import fit_length
from highlights.pipeline.records import Candidate
from highlights.pipeline.registry import register
from highlights.pipeline.roles import Merger


@register
class ActionMerge(Merger):
    name = "merge"
    backend = "actions"

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        from highlights.pipeline.ranking import resolve_calibration

        self.calibration = resolve_calibration(config)

    def merge(self, candidates: list[Candidate]) -> list[Candidate]:
        from highlights.pipeline.ranking import group_actions, keep_ranked, merge_action, score_highlights

        cfg = self.settings
        duration = float(self.context.info.duration_s)
        groups = group_actions(candidates, cfg.action_gap_s, cfg.nms_iou)
        scored = score_highlights([merge_action(best, members) for best, members in groups], self.calibration,
                                  self.context.trace)
        for c in scored:
            c.start_s, c.end_s = fit_length(c.start_s, c.end_s, c.moment_s, pad_before=cfg.pad_before_s,
                                            pad_after=cfg.pad_after_s, min_len=cfg.min_length_s,
                                            max_len=cfg.max_length_s, duration=duration)
        kept, self.context.shared["merge_summary"] = keep_ranked(scored, cfg, len(candidates))
        return kept
