"""Merge by temporal non-maximum suppression, then padding and length limits
(`merge.backend=temporal_nms`; the functions are in `highlights.pipeline.merge`)."""

from __future__ import annotations

from highlights.pipeline.merge import merge_candidates
from highlights.pipeline.records import Candidate
from highlights.pipeline.registry import register
from highlights.pipeline.roles import Merger


@register
class TemporalNmsMerge(Merger):
    name = "merge"
    backend = "temporal_nms"

    def merge(self, candidates: list[Candidate]) -> list[Candidate]:
        return merge_candidates(candidates, self.settings, float(self.context.info.duration_s))
