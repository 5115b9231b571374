"""A reader counts each damaged packet once: a reader that goes on from where an earlier one had
read (as a run going on after a stop does, from a seek before the last frame it kept) counts only
the packets after it, so the two together count what one reader from the start counts, however
the damage lies around the point where the first stopped."""

from __future__ import annotations

import av
import pytest

from highlights.video import iter_frames
from highlights.video.decode_damage import DamageSoFar, DecodeDamage
from tests.pipeline_fixtures import make_game, zeroed_packets_copy

FPS = 10.0  # the analysis grid
LEAD_S = 1.0  # how far before the last frame it kept a run going on seeks


@pytest.fixture(scope="module")
def intact(tmp_path_factory):
    return make_game(tmp_path_factory.mktemp("decode_damage"), duration_s=16.0)  # 20 fps, a keyframe every 2 s


def _in_matroska(video, path):
    """`video`'s packets as they are, in Matroska: its first packets after the start or a seek
    come without a decode time."""
    with av.open(str(video)) as source, av.open(str(path), "w") as out:
        stream = source.streams.video[0]
        copy = out.add_stream_from_template(stream)
        for packet in source.demux(stream):
            if packet.dts is not None:
                packet.stream = copy
                out.mux(packet)
    return path


def _read(path, damage: DecodeDamage, *, start_s: float | None = None, until_s: float | None = None) -> float | None:
    """Read the analysis frames from `start_s` (on the grid from 0) into `damage`; stop once a frame
    at or after `until_s` is read, as a run stops, and return that frame's time."""
    frames = iter_frames(path, target_fps=FPS, max_short_side=32, start_s=start_s, grid_from_s=0.0, damage=damage)
    try:
        for frame in frames:
            if until_s is not None and frame.time_s >= until_s:
                return frame.time_s
    finally:
        frames.close()
    return None


class _Snapshots(DecodeDamage):
    """A reader's damage that keeps what `so_far()` said after each packet: where a run's reader,
    decoding ahead of its analysis on its own thread, may be when the run keeps a chunk."""

    def __init__(self) -> None:
        super().__init__()
        self.after_each: list = []

    def packet(self, time_s, error, **placed) -> None:
        super().packet(time_s, error, **placed)
        self.after_each.append(self.so_far())


@pytest.mark.parametrize("container", ["mp4", "mkv"])
@pytest.mark.parametrize("stretches, stop_s, read_ahead", [
    (((0.0, 0.5),), 2.0, None),  # at the very start (in Matroska, packets without a decode time)
    (((3.0, 4.0),), 9.0, None),  # only before the stop
    (((3.0, 4.0), (11.0, 12.0)), 9.0, None),  # before it and after it
    # The last frame kept is the one before the stretch and the first reader had read half the
    # stretch ahead of it (25 of its 50 packets): the seek from a second before that frame reads
    # them again and goes on through the other half.
    (((7.0, 9.5),), 6.95, 25),
    # The reader had read the whole stretch to find the frame after the one kept.
    (((7.0, 9.5),), 6.95, None),
    # The first frame after the stretch kept: the seek lands on its damaged keyframe at 8 s.
    (((7.0, 9.5),), 9.5, None),
], ids=["at-the-start", "before", "both", "straddling-the-stop", "read-through-the-stretch", "just-after"])
def test_a_reader_going_on_counts_the_packets_after_those_an_earlier_one_read(intact, tmp_path, stretches, stop_s,
                                                                             read_ahead, container):
    damaged = zeroed_packets_copy(intact, tmp_path / "damaged.mp4", *stretches)
    if container == "mkv":
        damaged = _in_matroska(damaged, tmp_path / "damaged.mkv")
    whole = DecodeDamage()
    _read(damaged, whole)
    assert whole.packets == sum(round((b - a) * 20) for a, b in stretches)  # every zeroed packet, 20 fps

    first = _Snapshots()
    last_s = _read(damaged, first, until_s=stop_s)
    assert last_s == pytest.approx(stop_s)
    so_far = first.so_far() if read_ahead is None else next(s for s in first.after_each if s.packets == read_ahead)
    assert so_far.packets > 0  # the kept part's record holds damage: the boundary is where it matters
    rest = DecodeDamage.going_on_from(so_far)
    _read(damaged, rest, start_s=last_s - LEAD_S)
    assert (rest.packets, rest.first_error) == (whole.packets, whole.first_error)


def test_a_packet_read_again_is_not_counted_again(intact, tmp_path):
    damaged = zeroed_packets_copy(intact, tmp_path / "damaged.mp4", (5.0, 6.0))
    damage = DecodeDamage()
    _read(damaged, damage)
    _read(damaged, damage, start_s=4.0)  # the same reader's packets again, from a seek back
    assert damage.packets == 20


def test_within_one_pass_every_damaged_packet_counts_whatever_time_another_packet_carried():
    """A damaged transport stream may carry one garbled decode time far ahead of the rest. Within a
    pass of decoding it must not hide the damaged packets that follow it; only a later pass (a
    seek back, a run going on) leaves out what the earlier ones had read."""
    damage = DecodeDamage()
    damage.reading_from_here()
    damage.packet(1.0, None)
    damage.packet(5000.0, None)  # garbled: far past the rest of the file
    damage.packet(1.1, "Invalid data found when processing input")
    damage.packet(1.2, "Invalid data found when processing input")
    damage.packet(1.2, "Invalid data found when processing input")  # the same decode time again
    assert damage.packets == 3
    assert damage.first_error == "Invalid data found when processing input"

    damage.reading_from_here()  # a seek back: this pass meets again what the first one read
    damage.packet(1.1, "Invalid data found when processing input")
    assert damage.packets == 3


@pytest.mark.parametrize("garbled_at, garbled_s, whole_packets, passes", [
    # Read by a stopped run in the part it kept; the reader going on starts just after the garbled
    # packet, one after it, and well after it.
    (50, 5000.0, 21, ((51, 41), (52, 42), (90, 80))),
    (50, -5000.0, 21, ((51, 41), (52, 42), (90, 80))),
    # After the stop, never read by the stopped run, its time garbled to one that run had read
    # past; the stopped run read well before it, to just before it, and up to it as its last packet.
    *[(115, garbled_s, 20, ((91, 80), (115, 104), (116, 105))) for garbled_s in (2.0, 3.5, 8.0, -5000.0)],
], ids=["kept-far-future", "kept-far-past", "after-the-stop-before-the-damage", "after-the-stop-in-the-damage-read",
        "after-the-stop-just-before-the-stop", "after-the-stop-far-past"])
def test_a_garbled_decode_time_hides_no_damage_from_a_reader_going_on(garbled_at, garbled_s, whole_packets, passes):
    """One damaged packet whose decode time is garbled, whether a stopped run read it in the part
    it kept or never read it: a reader going on from where that one stopped (a seek a second before
    it) counts every damaged packet after, that one once, as a reader from the start does.
    `passes`: how many packets the stopped reader read, and the packet the reader going on starts at."""
    packets = [(t / 10, "bad" if 30 <= t < 40 or 110 <= t < 120 else None) for t in range(150)]
    packets[garbled_at] = (garbled_s, "bad")
    whole = DecodeDamage()
    whole.reading_from_here()
    for t, error in packets:
        whole.packet(t, error)
    assert whole.packets == whole_packets
    for read, going_on_at in passes:
        earlier = DecodeDamage()
        earlier.reading_from_here()
        for t, error in packets[:read]:
            earlier.packet(t, error)
        rest = DecodeDamage.going_on_from(earlier.so_far())
        rest.reading_from_here()
        for t, error in packets[going_on_at:]:
            rest.packet(t, error)
        assert rest.packets == whole.packets, read


def test_a_garbled_far_past_decode_time_early_in_a_pass_does_not_stretch_it_back():
    """A seek that overshoots reads a packet whose decode time is garbled far into the past: the
    retry from earlier still counts the damage it reads before where the overshot pass landed."""
    damage = DecodeDamage()
    damage.reading_from_here()  # the seek for 10 s lands on the keyframe at 12 s
    for t in (12.0, -5000.0, 12.1, 12.15):
        damage.packet(t, None)
    damage.reading_from_here()  # retried from 8 s
    for t, error in ((8.0, None), (9.0, "bad"), (9.05, "bad"), (12.0, None), (12.1, None)):
        damage.packet(t, error)
    assert damage.packets == 2


def test_a_reader_going_on_leaves_out_only_what_the_earlier_one_read():
    earlier = DecodeDamage()
    earlier.reading_from_here()
    for t, error in ((1.0, None), (2.0, "bad"), (3.0, None)):
        earlier.packet(t, error)
    rest = DecodeDamage.going_on_from(earlier.so_far())
    rest.reading_from_here()
    for t, error in ((2.0, "bad"), (3.0, None), (3.5, "bad"), (3.4, "bad")):
        rest.packet(t, error)
    assert rest.packets == 3  # the earlier one's, and the two after 3.0 (in any order)


def test_a_seek_retried_from_earlier_counts_the_damage_before_where_the_overshot_one_landed():
    """A seek that lands past its target (an imprecise index) reads a packet or two there and is
    retried from earlier. The retry reads, for the first time, what lies between its own landing
    and the overshot one's: damage there counts; only what the overshot pass read is left out."""
    damage = DecodeDamage()
    damage.reading_from_here()  # the seek for 10 s lands on the keyframe at 12 s
    damage.packet(12.0, "bad")
    damage.packet(12.05, None)
    damage.reading_from_here()  # retried from 8 s
    for t, error in ((8.0, None), (9.0, "bad"), (9.05, "bad"), (12.0, "bad"), (12.05, None), (12.1, "bad")):
        damage.packet(t, error)
    assert damage.packets == 4  # 12.0 once, 9.0 and 9.05 first read by the retry, and 12.1
    # Read to 12.05 s (the middle of the latest three), the damaged packet at 12.1 s counted past it.
    assert damage.so_far() == DamageSoFar(4, "bad", 12.05, (12.1,), (12.0, 12.05, 12.1))


def test_a_damaged_packet_an_overshot_pass_read_last_is_counted_once_by_the_retry():
    """A pass's stretch ends at the middle of its latest decode times (of two, the earlier), so the
    damaged packet an overshot seek read last lies past it: the retry from earlier meets it again
    and does not count it a second time."""
    damage = DecodeDamage()
    damage.reading_from_here()  # the seek for 10 s lands on the keyframe at 12 s
    damage.packet(12.0, None)
    damage.packet(12.05, "bad")
    damage.reading_from_here()  # retried from 8 s
    for t, error in ((8.0, None), (9.0, "bad"), (12.0, None), (12.05, "bad"), (12.1, None)):
        damage.packet(t, error)
    assert damage.packets == 2  # 9.0, and 12.05 once


def test_of_two_decode_times_read_the_earlier_is_how_far_a_reader_had_read():
    """With two decode times read, the later garbled one (a damaged transport stream's) is not how
    far the reader had read: a reader going on from it still counts the damage after the first."""
    earlier = DecodeDamage()
    earlier.reading_from_here()
    earlier.packet(0.0, None)
    earlier.packet(5000.0, "bad")  # garbled: far past the rest of the file
    assert earlier.so_far() == DamageSoFar(1, "bad", 0.0, (5000.0,), (0.0, 5000.0))
    rest = DecodeDamage.going_on_from(earlier.so_far())
    rest.reading_from_here()
    for t, error in ((0.0, None), (0.1, "bad"), (5000.0, "bad"), (0.2, "bad")):
        rest.packet(t, error)
    assert rest.packets == 3  # the garbled one once, and 0.1 and 0.2


def test_a_pass_whose_packets_carry_only_presentation_times_is_left_behind_by_a_retry():
    """Packets without a decode time are placed by their presentation time; such a pass has no
    decode times to say how far it read. A seek retried after it (an overshot one) still reads on,
    counting the damage the first pass counted once."""
    damage = DecodeDamage()
    damage.reading_from_here()  # the seek for 10 s lands on the keyframe at 12 s
    for t, error in ((12.0, None), (12.05, "bad"), (12.1, None)):
        damage.packet(t, error, decode_time=False)
    damage.reading_from_here()  # retried from 8 s
    for t, error in ((8.0, None), (9.0, "bad"), (12.0, None), (12.05, "bad"), (12.1, None), (12.15, "bad")):
        damage.packet(t, error, decode_time=False)
    assert damage.packets == 3  # 12.05 once, 9.0 and 12.15


class _OvershootingSeek:
    """A container whose first seek lands `ahead_s` past where it was asked (an imprecise index)."""

    def __init__(self, container, ahead_s: float) -> None:
        self._container, self._ahead_s = container, ahead_s

    def seek(self, offset, *, stream, **kwargs):
        ahead, self._ahead_s = self._ahead_s, 0.0
        return self._container.seek(offset + int(ahead / float(stream.time_base)), stream=stream, **kwargs)

    def __getattr__(self, name):
        return getattr(self._container, name)


def test_a_read_whose_seek_overshoots_counts_the_damage_its_retry_reads(intact, tmp_path, monkeypatch):
    """Asked for 10 s, the seek lands on the keyframe at 14 s and is retried from 5 s earlier: the
    retry decodes the damaged stretch at 11-12 s for the first time, and counts it."""
    import highlights.video.reader as reader

    damaged = zeroed_packets_copy(intact, tmp_path / "damaged.mp4", (11.0, 12.0))
    exact = DecodeDamage()
    _read(damaged, exact, start_s=10.0)
    opened = reader._open
    monkeypatch.setattr(reader, "_open", lambda *a, **k: _with_overshoot(opened(*a, **k)))
    overshot = DecodeDamage()
    _read(damaged, overshot, start_s=10.0)
    assert exact.packets == overshot.packets == 20


def _with_overshoot(opened):
    opened.container = _OvershootingSeek(opened.container, ahead_s=4.0)
    return opened
