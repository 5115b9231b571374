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
    read_until_s: float | None  # how far its decode times had gone (None: no packet with a time yet)
    # The damaged packets it counted placed past `read_until_s` (a garbled decode time, or the very
    # latest packets): a reader going on that meets one again has counted it already.
    counted_beyond_s: tuple[float, ...] = ()
    # The decode times of the last packets it read (up to three), garbled or not, in the order read:
    # a reader going on that has read them in that order is past every packet this one read.
    read_last_s: tuple[float, ...] = ()


@dataclass
class _Pass:
    """What an earlier pass of decoding read: the stretch from where it began to how far its decode
    times had gone, the damaged packets it counted outside that stretch, each at its own time, and
    its last decode times (`DamageSoFar.read_last_s`)."""

    first_s: float | None
    until_s: float | None
    counted_outside_s: tuple[float, ...]
    last_s: tuple[float, ...]
    # The pass reading now has read its last packets again: all it read lies behind. A pass after
    # a seek (back, as a retried one goes) may meet it again.
    left_behind: bool = False

    def holds(self, time_s: float) -> bool:
        if self.left_behind:
            return False
        if self.first_s is not None and self.until_s is not None and self.first_s <= time_s <= self.until_s:
            return True
        return time_s in self.counted_outside_s


@dataclass
class DecodeDamage:
    """The damaged packets a reader skipped (`iter_frames(damage=...)`), filled in as it reads:
    a run records them beside what it analysed, not only in a terminal warning.

    A packet is placed by its decode time, which runs forward through a file as its packets are
    stored. Each pass of decoding (from the start, or from a seek) begins with `reading_from_here`
    and reads the stretch from its first packet to where its decode times had gone. A damaged
    packet lying in a stretch an earlier pass read was read before, so it is not counted again;
    every other one counts. (The first packets after the start or a seek in Matroska have no
    decode time: they are placed by their presentation time, which says whether they were read
    before but, out of decode order, does not end a stretch or move `read_until_s`.) So a reader
    whose seek is retried from earlier counts no packet twice, yet counts what lies between its
    landing and the landing that overshot; and one started from an earlier reader's `so_far()` (a
    run going on from the frames a stopped run kept, decoding from a seek before their end) counts
    only the packets after what that one had read. Within a pass nothing is left out.

    Where a pass's stretch began is the middle of its first three times, and how far its decode
    times had gone the middle of its latest three, not the least and the greatest: one packet with
    a garbled decode time (a damaged transport stream's, far past the file's end or far before its
    start) moves neither end, for the rest of the pass, for a later pass or for a run going on, so
    it hides none of the damage around it. The damaged packets a pass counted outside its stretch
    (the garbled one too, if damaged, and the very first or latest) are remembered each at its own
    time, so a later pass meeting one of them again does not count it twice.

    A later pass that has read an earlier one's last decode times again, in the same order, is past
    every packet that one read: from there on a damaged packet is new, even one whose decode time is
    garbled into the earlier stretch (so a run going on counts one after the stop garbled to before
    it, as the run from the start counts it). A damaged packet with no time cannot be placed: it is
    counted wherever it is met, and `so_far()` is then None.

    A run's reader fills it in on its decoding thread while the run reads `so_far()` on its own:
    the lock keeps the count and the time it was read up to together."""

    packets: int = 0
    first_error: str | None = None
    read_until_s: float | None = None  # the furthest any pass's decode times had gone
    untimed: int = 0  # damaged packets without a decode or presentation time
    _passes: list[_Pass] = field(default_factory=list, repr=False, compare=False)  # what earlier passes read
    _counted_s: list[float] = field(default_factory=list, repr=False, compare=False)  # where each counted one lay
    _pass_counted_from: int = field(default=0, repr=False, compare=False)  # this pass's first in `_counted_s`
    _pass_first_times: list[float] = field(default_factory=list, repr=False, compare=False)  # its first 3 times
    _pass_latest_s: list[float] = field(default_factory=list, repr=False, compare=False)  # its latest 3 decode times
    _reached_s: float | None = field(default=None, repr=False, compare=False)  # how far earlier passes had gone
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def going_on_from(cls, so_far: DamageSoFar) -> DecodeDamage:
        # The earlier reader read the file from its start up to `read_until_s`, and counted the
        # packets of `counted_beyond_s` where they lay.
        earlier = _Pass(None if so_far.read_until_s is None else float("-inf"), so_far.read_until_s,
                        tuple(so_far.counted_beyond_s), tuple(so_far.read_last_s))
        return cls(packets=so_far.packets, first_error=so_far.first_error, read_until_s=so_far.read_until_s,
                   _passes=[earlier], _counted_s=list(so_far.counted_beyond_s),
                   _pass_counted_from=len(so_far.counted_beyond_s), _reached_s=so_far.read_until_s)

    def reading_from_here(self) -> None:
        """A pass of decoding begins (from the start or a seek): what the pass before read is what
        a damaged packet met again was counted in."""
        with self._lock:
            first, until = self._pass_first_s(), self._pass_until_s()
            if first is None or until is None or first > until:
                # too few times for a stretch, or no decode time to end one (packets placed by their
                # presentation times only): its counted packets are kept one by one
                first = until = None
            outside = tuple(t for t in self._counted_s[self._pass_counted_from:]
                            if first is None or not first <= t <= until)
            if until is not None or outside:
                self._passes.append(_Pass(first, until, outside, tuple(self._pass_latest_s)))
            for earlier in self._passes:
                earlier.left_behind = False
            self._pass_counted_from = len(self._counted_s)
            self._pass_first_times, self._pass_latest_s = [], []
            if until is not None:
                self._reached_s = until if self._reached_s is None else max(self._reached_s, until)

    def packet(self, time_s: float | None, error: str | None, *, decode_time: bool = True) -> None:
        """A packet read at `time_s` (None: it has no time), its decode time or, with
        `decode_time=False`, its presentation time; `error`: why it failed to decode (None: it
        decoded)."""
        with self._lock:
            if error is not None:
                if time_s is None:
                    self.untimed += 1
                if time_s is None or not any(earlier.holds(time_s) for earlier in self._passes):
                    self.packets += 1
                    self.first_error = self.first_error or error
                    if time_s is not None:
                        self._counted_s.append(time_s)
            if time_s is not None and len(self._pass_first_times) < 3:
                self._pass_first_times.append(time_s)
            if decode_time and time_s is not None:
                self._pass_latest_s = [*self._pass_latest_s[-2:], time_s]
                until = self._pass_until_s()
                self.read_until_s = until if self._reached_s is None else max(self._reached_s, until)
                for earlier in self._passes:
                    n = len(earlier.last_s)
                    if n and tuple(self._pass_latest_s[-n:]) == earlier.last_s:
                        earlier.left_behind = True

    def _pass_first_s(self) -> float | None:
        # The middle of the pass's first three times (of two, the later): one garbled time is never it.
        first = sorted(self._pass_first_times)
        return first[len(first) // 2] if first else None

    def _pass_until_s(self) -> float | None:
        # The middle of the pass's latest three decode times (of two, the earlier): one garbled
        # time is never the middle one.
        latest = sorted(self._pass_latest_s)
        return latest[(len(latest) - 1) // 2] if latest else None

    def so_far(self) -> DamageSoFar | None:
        """The damage counted up to the latest packet read, for a later reader to go on from; None
        where a damaged packet had no time (a reader going on could not tell whether it is one it
        meets again)."""
        with self._lock:
            if self.untimed:
                return None
            until = self.read_until_s
            beyond = tuple(t for t in self._counted_s if until is None or t > until)
            return DamageSoFar(self.packets, self.first_error, until, beyond, tuple(self._pass_latest_s))
