"""One action -> one highlight (`merge.backend=actions`): detections whose key moments lie within
`merge.action_gap_s` of the best one, or whose windows overlap its window by more than
`merge.nms_iou`, become one highlight covering them all; then padding and length limits, and
temporal NMS again on what the fitted highlights show (`suppress_shown`, as in `temporal_nms`); each
gets a score (`merge.score_calibration`: the classifier's probability by default, or calibrated by
the packaged map or a fitted file), a rank, and the caps `merge.highlight_min_score`,
`merge.max_highlights` and `merge.reel_seconds`.
The functions are in `highlights.pipeline.ranking`."""

from __future__ import annotations

from highlights.pipeline.merge import fit_length, suppress_shown
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
        actions = [merge_action(best, members) for best, members in groups]
        fitted = [fit_length(a.start_s, a.end_s, a.moment_s, pad_before=cfg.pad_before_s, pad_after=cfg.pad_after_s,
                             min_len=cfg.min_length_s, max_len=cfg.max_length_s, duration=duration,
                             first_picture_s=float(self.context.info.start_s))
                  for a in actions]
        # Fitting can move two actions onto the same seconds (one shifted back inside the video onto
        # the one before): the better-scored, by the same probability the grouping ranked on, takes
        # the other's detections as one action of them all, and keeps its own fitted span. Scoring
        # comes after, so support and neighbourhood count what the viewer is shown.
        shown, absorbed = suppress_shown(fitted, [a.score for a in actions], [a.moment_s for a in actions], cfg)
        merged = []
        for j in shown:
            best, members = groups[j]
            action = merge_action(best, members + [m for k in absorbed[j] for m in groups[k][1]])
            action.start_s, action.end_s = fitted[j]
            merged.append(action)
        scored = score_highlights(merged, self.calibration, self.context.trace)
        kept, self.context.shared["merge_summary"] = keep_ranked(scored, cfg, len(candidates))
        return kept
