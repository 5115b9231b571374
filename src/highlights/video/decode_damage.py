"""The damaged packets a reader skipped, counted so that two reads of one video that meet (a run
that goes on from the part an earlier, stopped run kept, a seek retried from earlier) count each
packet once."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class DamageSoFar:
    """What a reader had counted once it had read every packet up to `read_until_s`."""

    packets: int
    first_error: str | None
    read_until_s: float | None  # the latest decode time read (None: no packet with a time yet)


@dataclass
class DecodeDamage:
    """The damaged packets a reader skipped (`iter_frames(damage=...)`), filled in as it reads:
    a run records them beside what it analysed, not only in a terminal warning.

    A packet is placed by its decode time, which runs forward through a file as its packets are
    stored. Each pass of decoding (from the start, or from a seek) begins with `reading_from_here`
    and reads the stretch from its first packet to its latest decode time. A damaged packet lying
    in a stretch an earlier pass read was read before, so it is not counted again; every other one
    counts. (The first packets after the start or a seek in Matroska have no decode time: they are
    placed by their presentation time, which says whether they were read before but, out of decode
    order, does not end a stretch or move `read_until_s`.) So a reader whose seek is retried from
    earlier counts no packet twice, yet counts what lies between its landing and the landing that
    overshot; and one started from an earlier reader's `so_far()` (a run going on from the frames a
    stopped run kept, decoding from a seek before their end) counts only the packets after what
    that one had read. Within a pass nothing is left out: one packet with a garbled, far-future
    decode time (a damaged transport stream's) widens only what later passes leave out. A damaged
    packet with no time cannot be placed: it is counted wherever it is met, and `so_far()` is then
    None.

    A run's reader fills it in on its decoding thread while the run reads `so_far()` on its own:
    the lock keeps the count and the time it was read up to together."""

    packets: int = 0
    first_error: str | None = None
    read_until_s: float | None = None
    untimed: int = 0  # damaged packets without a decode or presentation time
    # The stretches earlier passes read, (first, latest decode time): a damaged packet in one was counted then.
    _read_before: list[tuple[float, float]] = field(default_factory=list, repr=False, compare=False)
    _pass_first_s: float | None = field(default=None, repr=False, compare=False)  # this pass's stretch so far
    _pass_until_s: float | None = field(default=None, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def going_on_from(cls, so_far: DamageSoFar) -> DecodeDamage:
        # The earlier reader read the file from its start up to `read_until_s`.
        read_before = [] if so_far.read_until_s is None else [(float("-inf"), so_far.read_until_s)]
        return cls(packets=so_far.packets, first_error=so_far.first_error, read_until_s=so_far.read_until_s,
                   _read_before=read_before)

    def reading_from_here(self) -> None:
        """A pass of decoding begins (from the start or a seek): the stretch the pass before read
        is one a damaged packet met again was counted in."""
        with self._lock:
            if self._pass_first_s is not None and self._pass_until_s is not None:
                self._read_before.append((self._pass_first_s, self._pass_until_s))
            self._pass_first_s = self._pass_until_s = None

    def packet(self, time_s: float | None, error: str | None, *, decode_time: bool = True) -> None:
        """A packet read at `time_s` (None: it has no time), its decode time or, with
        `decode_time=False`, its presentation time; `error`: why it failed to decode (None: it
        decoded)."""
        with self._lock:
            if error is not None:
                if time_s is None:
                    self.untimed += 1
                if time_s is None or not any(first <= time_s <= until for first, until in self._read_before):
                    self.packets += 1
                    self.first_error = self.first_error or error
            if time_s is not None:
                self._pass_first_s = time_s if self._pass_first_s is None else min(self._pass_first_s, time_s)
            if decode_time and time_s is not None:
                self._pass_until_s = time_s if self._pass_until_s is None else max(self._pass_until_s, time_s)
                if self.read_until_s is None or time_s > self.read_until_s:
                    self.read_until_s = time_s

    def so_far(self) -> DamageSoFar | None:
        """The damage counted up to the latest packet read, for a later reader to go on from; None
        where a damaged packet had no time (a reader going on could not tell whether it is one it
        meets again)."""
        with self._lock:
            if self.untimed:
                return None
            return DamageSoFar(self.packets, self.first_error, self.read_until_s)
