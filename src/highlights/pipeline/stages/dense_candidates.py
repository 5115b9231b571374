"""Back-to-back fixed windows over the whole game, every frame active (`candidates.backend=dense`).

No gating at all: what "candidates off" means.
"""

from __future__ import annotations

from highlights.pipeline.records import Candidate, FrameRecord
from highlights.pipeline.registry import register
from highlights.pipeline.roles import CandidateSource


@register
class DenseCandidates(CandidateSource):
    name = "candidates"
    backend = "dense"

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        self._next_start = 0.0
        self._last_t = 0.0

    def cache_key(self) -> tuple:
        # Only the window length shapes its output (it also stands in when candidates are off).
        return (self.name, self.backend, self.settings.dense_window_s)

    def on_frame(self, frame: FrameRecord) -> list[Candidate]:
        frame.active = True
        self._last_t = frame.time_s
        out = []
        while frame.time_s >= self._next_start + self.settings.dense_window_s:
            out.append(self._window(self._next_start, self._next_start + self.settings.dense_window_s))
        return out

    def kept_values(self, frame: FrameRecord) -> dict[str, float]:
        return {"time_s": frame.time_s}  # its windows follow from the times alone

    def replay(self, frame: FrameRecord, values: dict[str, float]) -> list[Candidate]:
        return self.on_frame(frame)

    def _window(self, start: float, end: float) -> Candidate:
        self._next_start = end
        self.context.trace.windows.append({"start_s": round(start, 3), "end_s": round(end, 3),
                                           "source": "dense"})
        return Candidate(start_s=start, end_s=end, source="dense",
                         evidence={"candidates": {"source": "dense"}})

    def finish(self) -> list[Candidate]:
        end = max(self._last_t, float(self.context.info.duration_s))
        if end - self._next_start > 1e-6:
            return [self._window(self._next_start, end)]
        return []
