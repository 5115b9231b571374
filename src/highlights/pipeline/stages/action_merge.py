"""One action -> one highlight (`merge.backend=actions`): detections whose key moments
lie within `merge.action_gap_s` of the best one, or whose windows overlap its window by more than
`merge.nms_iou`, become one highlight covering them all; each gets a score
(the classifier's probability, or a fitted calibration from `merge.score_calibration`), padding
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
        from highlights.pipeline.ranking import Calibration

        path = self.settings.score_calibration
        self.calibration = Calibration.load(path) if path else Calibration()

    def merge(self, candidates: list[Candidate]) -> list[Candidate]:
        from highlights.pipeline.ranking import group_actions, merge_action, rank_and_cap, shot_sport_shares

        cfg = self.settings
        duration = float(self.context.info.duration_s)
        scored = []
        groups = group_actions(candidates, cfg.action_gap_s, cfg.nms_iou)
        trace = self.context.trace
        shares = shot_sport_shares(trace.classifications, trace.cuts, [best.moment_s for best, _ in groups])
        for (best, members), share in zip(groups, shares):
            merged = merge_action(best, members)
            if share and merged.sport:
                merged.evidence["shot"] = {"sport_share": round(share.get(merged.sport, 0.0), 4)}
            c = self.calibration.apply(merged)
            c.start_s, c.end_s = fit_length(c.start_s, c.end_s, c.moment_s, pad_before=cfg.pad_before_s,
                                            pad_after=cfg.pad_after_s, min_len=cfg.min_length_s,
                                            max_len=cfg.max_length_s, duration=duration)
            scored.append(c)
        kept, dropped = rank_and_cap(scored, min_score=cfg.highlight_min_score, max_highlights=cfg.max_highlights,
                                     reel_seconds=cfg.reel_seconds)
        for i, c in enumerate(kept, 1):
            c.evidence["rank"] = {"rank": i, "of": len(kept)}
        self.context.shared["merge_summary"] = {"detections": len(candidates), "actions": len(scored),
                                                "kept": len(kept), **dropped}
        return sorted(kept, key=lambda c: c.start_s)
