"""The review page's player gets a file browsers play: the source when they can, else an H.264
copy on the source's own timeline, made once. Sources made here with PyAV."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import av
import numpy as np
import pytest

from highlights.review.games import load_games
from highlights.review.playback import COPY_NAME, BrowserCopies, Playback, needed_copy, unplayable_because
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.playback_fixtures import (
    FPS, FRAMES, LATE_S, grey_pictures, needs_hevc, phone_source, playback_detect_folder,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient


def _copy_made(source: Path, folder: Path) -> Playback:
    """The browser copy of a source browsers do not play, made now."""
    need = needed_copy(source, folder)
    assert need is not None, f"{source.name} needs no copy"
    return need.make(progress=False)


def _assert_the_tone_stays_where_it_was(copy_path: Path) -> None:
    """The copy's sound is AAC and where the source's was: at 1.0 s as loud as the source's at 1.0 s."""
    with av.open(str(copy_path)) as copy:
        assert copy.streams.audio[0].codec_context.name == "aac"
        rate = copy.streams.audio[0].rate
        sound = np.concatenate([f.to_ndarray()[0] for f in copy.decode(audio=0)])
    for at in (0.2, 1.0):
        window = sound[int((at - 0.1) * rate):int((at + 0.1) * rate)]
        assert float(np.sqrt(np.mean(window ** 2))) == pytest.approx((0.05 + 0.1 * at) / np.sqrt(2), rel=0.1)


@needs_hevc
def test_a_10_bit_hevc_phone_clip_is_played_from_an_h264_copy_on_its_own_timeline(tmp_path):
    source = phone_source(tmp_path / "IMG_0001.mov")
    assert "10-bit" in unplayable_because(source)
    playback = _copy_made(source, tmp_path)
    assert playback.path == tmp_path / COPY_NAME and playback.media_type == "video/mp4"
    assert "HEVC" in playback.note
    with av.open(str(playback.path)) as copy:
        video = copy.streams.video[0]
        assert (video.codec_context.name, video.codec_context.pix_fmt) == ("h264", "yuv420p")
    _assert_the_tone_stays_where_it_was(playback.path)
    # every picture at the time the source shows it (from 0.4 s on), so a seek lands on it
    (got_t, got_grey), (want_t, want_grey) = grey_pictures(playback.path), grey_pictures(source)
    assert len(got_t) == len(want_t) == FRAMES
    np.testing.assert_allclose(got_grey, want_grey, atol=2.5)  # pictures 5 levels apart: none moved
    np.testing.assert_allclose(got_t, want_t, atol=2e-3)
    assert got_t[0] == pytest.approx(LATE_S, abs=2e-3)
    # made once: the next review plays the same copy; a changed source makes it again
    made = playback.path.stat().st_mtime_ns
    said = []
    again = BrowserCopies([("g", source, tmp_path)], progress=False, say=said.append)
    assert again.to_make == [] and again.current("g").path == playback.path
    assert playback.path.stat().st_mtime_ns == made and "plays its H.264 copy" in said[0]
    os.utime(source, ns=(made + 10**9, made + 10**9))
    assert [need.source for need in BrowserCopies([("g", source, tmp_path)], progress=False).to_make] == [source]


def test_a_copy_made_for_its_sound_has_that_sound_as_aac(tmp_path):
    """H.264 pictures with PCM sound in a .mov: browsers play no PCM, so a copy is made for the sound,
    and it must carry it (encoded as AAC), on the same timeline as the pictures."""
    source = phone_source(tmp_path / "camera.mov", "libx264", "yuv420p", sound_codec="pcm_s16le")
    assert unplayable_because(source) == "pcm_s16le sound"
    playback = _copy_made(source, tmp_path)
    assert playback.path == tmp_path / COPY_NAME
    _assert_the_tone_stays_where_it_was(playback.path)
    assert grey_pictures(playback.path)[0][0] == pytest.approx(LATE_S, abs=2e-3)


def test_a_source_replaced_at_its_size_and_time_gets_a_new_copy(tmp_path):
    """A source replaced by another of the same size, its modification time put back (`touch -r`),
    is not the one the copy was made from; a copy recorded with the size and time alone (as one
    made by an earlier version was) is kept while those hold."""
    source = phone_source(tmp_path / "camera.mov", "libx264", "yuv420p", sound_codec="pcm_s16le")
    _copy_made(source, tmp_path)
    need = needed_copy(source, tmp_path)
    assert need.fresh()
    record_path = tmp_path / "review-video.json"
    record = json.loads(record_path.read_text())
    record_path.write_text(json.dumps({k: v for k, v in record.items() if k != "sha256_ends"}))
    assert need.fresh()
    record_path.write_text(json.dumps(record))
    st = source.stat()
    data = bytearray(source.read_bytes())
    data[len(data) // 2] ^= 0xFF
    source.write_bytes(bytes(data))
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert source.stat().st_size == st.st_size and not need.fresh()


def test_what_browsers_play_is_served_as_it_is_and_the_rest_is_named(tmp_path):
    plain = phone_source(tmp_path / "plain.mp4", "libx264", "yuv420p")
    assert unplayable_because(plain) is None
    assert needed_copy(plain, tmp_path) is None
    assert not (tmp_path / COPY_NAME).exists()
    assert "10-bit" in unplayable_because(phone_source(tmp_path / "deep.mp4", "libx264", "yuv420p10le"))
    assert unplayable_because(phone_source(tmp_path / "cut.ts", "libx264", "yuv420p", "mpegts")) == "a TS file"


def test_the_page_plays_the_copy_and_says_why(tmp_path):
    from highlights.review.server import create_app

    source = phone_source(tmp_path / "game.ts", "libx264", "yuv420p", "mpegts")
    folder = playback_detect_folder(tmp_path, source)
    session = ReviewSession(load_games([folder]), DecisionStore(tmp_path / "review.sqlite"))
    try:
        game = session.games[0]
        playback = {game.id: _copy_made(game.video, game.folder)}
        client = TestClient(create_app(session, "t", playback=playback))
        listed = client.get("/api/games", headers={"X-Review-Token": "t"}).json()["games"][0]
        assert "TS file" in listed["video_note"]
        served = client.get(f"/media/{game.id}/video?token=t")
        assert served.status_code == 200 and served.headers["content-type"] == "video/mp4"
        assert served.content == (folder / COPY_NAME).read_bytes()
    finally:
        session.store.close()



def _two_games(tmp_path: Path) -> list[Path]:
    """Two detect folders of HEVC phone clips, listed in this order."""
    folders = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        folders.append(playback_detect_folder(tmp_path / name, phone_source(tmp_path / f"{name}.mov")))
    return folders


def _served_before_any_copy(client, first, head: dict) -> None:
    """Opened before any copy is made: each game's source is served, the page says why and what
    next, and decisions can be made."""
    listed = client.get("/api/games", headers=head).json()["games"]
    assert [g["video_state"] for g in listed] == ["waiting", "waiting"]
    assert "HEVC" in listed[0]["video_note"] and "being made" in listed[0]["video_note"]
    assert "after 1 other game" in listed[1]["video_note"]
    assert client.get(f"/media/{first.id}/video?token=t").content == first.video.read_bytes()
    decided = client.post(f"/api/games/{first.id}/items/h0/decision", headers=head,
                          json={"status": "rejected", "start_s": 0.5, "end_s": 1.5,
                                "reviewer": "Ada"})
    assert decided.status_code == 200


def _each_copy_served_whole(client, games, head: dict) -> None:
    """Each game's H.264 copy is served in place of its source, showing its pictures."""
    states = client.get("/api/playback", headers=head).json()["games"]
    for game in games:
        assert states[game.id]["video_state"] == "copy"
        assert "playing an H.264 copy" in states[game.id]["video_note"]
        served = client.get(f"/media/{game.id}/video?token=t")
        assert served.headers["content-type"] == "video/mp4"
        assert served.content == (game.folder / COPY_NAME).read_bytes()
        assert sorted(p.name for p in game.folder.iterdir()) == [
            "highlights.json", "review-video.json", COPY_NAME]
        _copy_shows_the_source(game)


def _copy_shows_the_source(game) -> None:
    """Every picture of the game's copy, joined from its parts, at the time the source shows it."""
    got_t, got_grey = grey_pictures(game.folder / COPY_NAME)
    want_t, want_grey = grey_pictures(game.video)
    assert len(got_t) == FRAMES
    np.testing.assert_allclose(got_t, want_t, atol=2e-3)
    np.testing.assert_allclose(got_grey, want_grey, atol=2.5)


@needs_hevc
def test_the_review_opens_before_its_copies_are_made_and_switches_to_each_when_whole(tmp_path, monkeypatch):
    """`highlights review` of two HEVC games: the page is served at once (the sources, and a note saying
    how far each copy is) and decisions can be made; the copies are made one at a time, in the games'
    order; one cut short (Ctrl-C) is never served, and the next review goes on from its last whole part."""
    PART = 0.5  # parts of 0.5 s: the clip's pictures run from 0.4 to 2.0 s
    import highlights.review.playback as playback_module
    from highlights.review.playback import BrowserCopies
    from highlights.review.server import create_app

    folders = _two_games(tmp_path)
    session = ReviewSession(load_games(folders), DecisionStore(tmp_path / "review.sqlite"))
    head = {"X-Review-Token": "t"}
    try:
        said: list[str] = []
        copies = BrowserCopies([(g.id, g.video, g.folder) for g in session.games], progress=False,
                               say=said.append, part_s=PART)
        client = TestClient(create_app(session, "t", playback=copies))
        first, second = session.games
        _served_before_any_copy(client, first, head)

        # Ctrl-C while the first copy is half made: nothing of it is served; its whole parts are kept.
        real_iter_frames = playback_module.iter_frames
        decoded: list[float] = []

        def interrupted(*args, **kwargs):
            for frame in real_iter_frames(*args, **kwargs):
                decoded.append(frame.time_s)
                if len(decoded) == FRAMES // 2:
                    copies.stop(timeout=0)
                yield frame

        monkeypatch.setattr(playback_module, "iter_frames", interrupted)
        copies.start()
        assert copies.wait(timeout=60)
        assert client.get("/api/playback", headers=head).json()["games"][first.id]["video_state"] == "making", said
        assert client.get(f"/media/{first.id}/video?token=t").content == first.video.read_bytes()
        assert sorted(p.name for p in first.folder.iterdir()) == [".review-video.mp4.parts", "highlights.json"]
        assert sorted(p.name for p in (first.folder / ".review-video.mp4.parts").iterdir()) == [
            "00000.mp4", "00001.mp4", "source.json"]  # 0.4-1.0 s, whole; 1.0-1.2 s was not
        assert sorted(p.name for p in second.folder.iterdir()) == ["highlights.json"]

        # The next review goes on from 1.0 s, then makes the second game's; the page switches to each.
        said.clear()
        decoded.clear()

        def counted(*args, **kwargs):
            for frame in real_iter_frames(*args, **kwargs):
                decoded.append(frame.time_s)
                yield frame

        monkeypatch.setattr(playback_module, "iter_frames", counted)
        copies = BrowserCopies([(g.id, g.video, g.folder) for g in session.games], progress=False,
                               say=said.append, part_s=PART)
        assert len(copies.to_make) == 2
        client = TestClient(create_app(session, "t", playback=copies))
        copies.start()
        assert copies.wait(timeout=120)
        first_again = decoded[:len(decoded) - FRAMES]  # then the second game's 40
        assert len(first_again) == FRAMES - 15 and min(first_again) >= 1.0 - 1e-6  # 0.4-1.0 s was kept
        assert [(line.split(":")[0], "made;" in line) for line in said] == [
            ("first.mov", False), ("first.mov", True), ("second.mov", False), ("second.mov", True)]
        _each_copy_served_whole(client, (first, second), head)
        _assert_the_tone_stays_where_it_was(first.folder / COPY_NAME)
        # made once: a third review has nothing to make
        assert BrowserCopies([(g.id, g.video, g.folder) for g in session.games], progress=False).to_make == []
    finally:
        session.store.close()


@needs_hevc
def test_label_studio_tasks_point_at_the_copy_browsers_play_on_the_sources_frame_rate(tmp_path):
    """Label Studio plays a task's video in the browser: an HEVC source's task points at its H.264 copy
    (made once), and the config counts frames at the task's fps, not Label Studio's default 24."""
    from highlights.review.labelstudio import export_tasks, from_frame, import_annotations

    source = phone_source(tmp_path / "IMG_0003.mov")
    folder = playback_detect_folder(tmp_path, source)
    session = ReviewSession(load_games([folder]), DecisionStore(tmp_path / "review.sqlite"))
    try:
        said: list[str] = []
        written = export_tasks(session, tmp_path / "ls", progress=False, say=said.append)
        task = json.loads(written["tasks"].read_text())[0]
        assert task["data"]["video"] == str(folder / COPY_NAME) and task["data"]["video_name"] == source.name
        assert "making" in said[0] and "points at its H.264 copy" in said[1]
        assert 'frameRate="$fps"' in written["config"].read_text() and task["data"]["fps"] == FPS
        # the copy plays the source's pictures at the times the task's frames say
        region = task["predictions"][0]["result"][0]["value"]["ranges"][0]
        times, greys = grey_pictures(folder / COPY_NAME)
        start_s = from_frame(region["start"], task["data"]["fps"])
        assert start_s == pytest.approx(0.5, abs=1 / FPS)
        source_times, source_greys = grey_pictures(source)
        assert greys[np.searchsorted(times, start_s + 1e-6) - 1] == pytest.approx(
            source_greys[np.searchsorted(source_times, start_s + 1e-6) - 1], abs=2.5)
        # made once; under a URL prefix, the copy is named by its detect folder
        made = (folder / COPY_NAME).stat().st_mtime_ns
        again = export_tasks(session, tmp_path / "ls2", video_url_prefix="/data/local-files/?d=", progress=False)
        task = json.loads(again["tasks"].read_text())[0]
        assert task["data"]["video"] == "/data/local-files/?d=game-highlights/review-video.mp4"
        assert (folder / COPY_NAME).stat().st_mtime_ns == made
        # and its annotations come back to the game
        (tmp_path / "export.json").write_text(json.dumps([{**task, "annotations": [{"result": []}]}]))
        assert import_annotations(session, tmp_path / "export.json")["tasks_without_game"] == 0
    finally:
        session.store.close()


def _three_transport_stream_games(tmp_path: Path) -> list[Path]:
    """Three detect folders of transport streams (browsers do not play them), in this order."""
    folders = []
    for name in ("first", "second", "third"):
        (tmp_path / name).mkdir()
        source = phone_source(tmp_path / f"{name}.ts", "libx264", "yuv420p", "mpegts")
        folders.append(playback_detect_folder(tmp_path / name, source))
    return folders


def test_the_game_the_page_opens_has_its_copy_made_next(tmp_path, monkeypatch):
    """Three games whose copies are made in the background: while the first one's is being made, the page
    opens the third. The first's current part is finished and set aside, the third's copy is made whole,
    then the first's goes on from its whole parts (none made again), then the second's."""
    PART = 0.5  # the clip's pictures run from 0.4 to 2.0 s: parts 0.4-0.5, 0.5-1.0, ...
    import threading

    import highlights.review.playback as playback_module
    from highlights.review.playback import BrowserCopies
    from highlights.review.server import create_app

    session = ReviewSession(load_games(_three_transport_stream_games(tmp_path)),
                            DecisionStore(tmp_path / "review.sqlite"))
    head = {"X-Review-Token": "t"}
    real_iter_frames = playback_module.iter_frames
    decoded: list[tuple[str, float]] = []
    making_first, page_opened = threading.Event(), threading.Event()

    notes_while_third_is_made: list[str] = []

    def watched(source, *args, **kwargs):
        for frame in real_iter_frames(source, *args, **kwargs):
            decoded.append((Path(source).stem, frame.time_s))
            if Path(source).stem == "first" and not making_first.is_set():
                making_first.set()
                assert page_opened.wait(60)  # the page opens the third game now
            if Path(source).stem == "third" and not notes_while_third_is_made:
                notes_while_third_is_made.append(copies.current(session.games[0].id).note)
            yield frame

    monkeypatch.setattr(playback_module, "iter_frames", watched)
    said: list[str] = []
    copies = BrowserCopies([(g.id, g.video, g.folder) for g in session.games], progress=False,
                           say=said.append, part_s=PART)
    try:
        client = TestClient(create_app(session, "t", playback=copies))
        first, second, third = session.games
        copies.start()
        assert making_first.wait(60)
        assert client.get(f"/media/{third.id}/video?token=t").content == third.video.read_bytes()
        states = client.get("/api/playback", headers=head).json()["games"]
        assert "it is made next" in states[third.id]["video_note"]
        assert "after 2 other games' copies" in states[second.id]["video_note"]
        page_opened.set()
        assert copies.wait(timeout=120)

        order = [name for i, (name, _) in enumerate(decoded) if i == 0 or decoded[i - 1][0] != name]
        assert order == ["first", "third", "first", "second"], said
        boundary = next(i for i in range(len(decoded)) if decoded[i][0] == "third")
        before = [t for n, t in decoded[:boundary] if n == "first"]
        after = [t for n, t in decoded[boundary:] if n == "first"]
        assert max(before) < PART <= min(after)  # its first part was finished, kept, and not made again
        assert len(before) + len(after) == FRAMES
        assert [line.split(":")[0] for line in said] == ["first.ts", "first.ts", "third.ts", "third.ts",
                                                         "first.ts", "first.ts", "second.ts", "second.ts"]
        assert "set aside" in said[1] and "third.ts" in said[1] and "going on" in said[4]
        # while the third's copy is made, the page says how far the first's got and that it goes on next
        assert (f"{len(before) / FRAMES:.0%} made, set aside for the game opened since: it is finished after 1 other "
                "game's copy") in notes_while_third_is_made[0]
        states = client.get("/api/playback", headers=head).json()["games"]
        for game in (first, second, third):
            assert states[game.id]["video_state"] == "copy"
            _copy_shows_the_source(game)
    finally:
        page_opened.set()
        copies.stop()
        session.store.close()


@pytest.mark.parametrize("sound_codec", ["aac", "libopus"])  # copied as it is; encoded as AAC
def test_a_matroska_files_copy_ends_its_sound_where_its_pictures_end(tmp_path, sound_codec):
    """2 s of pictures with 4 s of sound in an MKV is a 2 s video (`probe`): its copy's sound stops with
    its pictures, rather than playing on for 2 s over the last picture, and is kept up to there."""
    from tests.video_fixtures import indexed_frames, mux_frames, mux_tone, video_stream

    source = tmp_path / "long-sound.mkv"
    with av.open(str(source), "w") as out:
        video = video_stream(out, 64, 48, rate=25)
        tone = out.add_stream(sound_codec, rate=48000, layout="mono")
        mux_frames(out, video, indexed_frames(50))
        mux_tone(out, tone, 4.0, slope=0.1)
    playback = _copy_made(source, tmp_path)
    assert playback.path == tmp_path / COPY_NAME
    with av.open(str(playback.path)) as copy:
        sound = copy.streams.audio[0]
        packets = [p for p in copy.demux(sound) if p.pts is not None]
        sound_end_s = max(float((p.pts + p.duration) * p.time_base) for p in packets)
        rate = sound.rate
    with av.open(str(playback.path)) as copy:
        samples = np.concatenate([f.to_ndarray()[0] for f in copy.decode(audio=0)])
    assert 2.0 <= sound_end_s <= 2.0 + 1024 / rate + 1e-3  # the packet that holds the pictures' end, no more
    window = samples[int(1.8 * rate):int(1.95 * rate)]  # and the sound up to there, where it was
    assert float(np.sqrt(np.mean(window ** 2))) == pytest.approx((0.05 + 0.1 * 1.875) / np.sqrt(2), rel=0.1)
    assert len(grey_pictures(playback.path)[0]) == 50


def test_a_copy_killed_while_its_parts_are_joined_leaves_temp_files_the_next_write_removes(tmp_path):
    """kill -9 while the parts are joined into the copy's pictures leaves those pictures and the
    copy's own temp file; both carry the writer's pid, so the next write into the folder from
    another process removes them (the pictures, named `.copy.mp4.PID-XXXX.pictures.mp4`, stayed
    for good). The parts stay: the next copy goes on from them."""
    import re
    import subprocess
    import sys

    from highlights.atomic import atomic_write_json
    from highlights.video import write_video

    source = write_video(tmp_path / "game.mp4", [np.full((64, 96, 3), 30 + 5 * i, np.uint8) for i in range(10)], FPS)
    out = tmp_path / "copies" / "copy.mp4"
    code = ("import os, signal, sys\nfrom pathlib import Path\nimport highlights.review.playback as playback\n"
            "playback._with_sound = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
            "playback.write_browser_copy(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)\n")
    killed = subprocess.run([sys.executable, "-c", code, str(source), str(out)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert killed.returncode == -9, killed.stderr
    left = sorted(p.name for p in out.parent.iterdir() if p.is_file())
    assert len(left) == 2 and all(re.fullmatch(r"\.copy\.mp4(\.pictures)?\.\d+-[^.]+\.tmp", n) for n in left), left
    atomic_write_json(out.parent / "games.json", {})
    assert sorted(p.name for p in out.parent.iterdir()) == [".copy.mp4.parts", "games.json"]


def test_a_copy_asked_of_a_source_browsers_play_is_said_to_be_asked_for(tmp_path):
    plain = phone_source(tmp_path / "plain.mp4", "libx264", "yuv420p")
    need = needed_copy(plain, tmp_path / "copy", always_copy=True)
    assert need is not None and need.asked
    waiting = need.pending("waiting").note
    assert waiting.startswith("a copy was asked for (--copy-video): an H.264 copy is being made")
    assert "do not play" not in waiting
    deep = needed_copy(phone_source(tmp_path / "deep.mp4", "libx264", "yuv420p10le"), tmp_path / "deep")
    assert not deep.asked
    assert deep.pending("waiting").note.startswith("the source is ") and "which browsers do not play" in deep.pending(
        "waiting").note


_AV1_ENCODER = next((name for name in ("libsvtav1", "libaom-av1") if name in av.codecs_available), None)


@pytest.mark.skipif(_AV1_ENCODER is None, reason="this PyAV build has no AV1 encoder")
def test_an_av1_video_is_named_av1_not_by_its_decoder_and_plays_as_it_is_in_webm(tmp_path):
    """FFmpeg decodes AV1 with dav1d, whose decoder is named `libdav1d`: the codec is AV1 all
    the same, which browsers play in WebM (a copy of an hour's game was made for nothing, its
    note saying 'libdav1d video') and not in an MP4 here."""
    from highlights.video import probe
    from tests.video_fixtures import indexed_frames, mux_frames, video_stream

    options = {"preset": "12"} if _AV1_ENCODER == "libsvtav1" else {"cpu-used": "8"}
    sources = {}
    for name in ("clip.webm", "clip.mp4"):
        with av.open(str(tmp_path / name), "w") as out:
            stream = video_stream(out, 64, 64, rate=10, encoder=_AV1_ENCODER, options=options)
            mux_frames(out, stream, indexed_frames(10, 64, 64))
        sources[name] = tmp_path / name
    assert probe(sources["clip.webm"]).codec == "av1"
    assert unplayable_because(sources["clip.webm"]) is None
    assert unplayable_because(sources["clip.mp4"]) == "AV1 video"


def test_two_reviews_of_one_folder_make_its_copy_one_at_a_time(tmp_path):
    """Two review servers on one detect folder: the second waits while the first makes the copy,
    where it wrote the same parts and removed their folder under the first, and then plays the
    copy the first made."""
    import threading

    source = phone_source(tmp_path / "game.mp4", "libx264", "yuv420p")
    first_part = tmp_path / "detect" / f".{COPY_NAME}.parts" / "00000.mp4"
    first_needs, second_needs = (needed_copy(source, tmp_path / "detect", always_copy=True,
                                             part_s=0.5) for _ in range(2))
    in_second_part, go_on = threading.Event(), threading.Event()

    def first_progress(done, total):
        if first_part.is_file() and not in_second_part.is_set():
            in_second_part.set()  # its first part is whole, its second being written
            assert go_on.wait(60)

    second_made, second_asked, second = [], [], {}

    def second_pause():
        second_asked.append(first_part.is_file())
        return False

    first = threading.Thread(target=lambda: first_needs.make(progress=False,
                                                             on_progress=first_progress))
    first.start()
    try:
        assert in_second_part.wait(60)
        other = threading.Thread(target=lambda: second.setdefault("playback", second_needs.make(
            progress=False, on_progress=lambda done, total: second_made.append(done),
            pause=second_pause)))
        other.start()
        # asked whether to set its copy aside a few times: waiting, or going on with the parts
        while len(second_asked) < 3 and not second_made and other.is_alive():
            other.join(0.05)
        assert second_made == [] and first_part.is_file(), "the second wrote the first's parts"
    finally:
        go_on.set()
        first.join(60)
    other.join(60)
    assert second["playback"].state == "copy" and second_needs.fresh()
    assert second_made == []  # it played the first's copy
    assert sorted(p.name for p in (tmp_path / "detect").iterdir()) == [
        "review-video.json", COPY_NAME]


def test_a_review_waiting_for_anothers_copy_says_another_review_is_making_it(tmp_path):
    """While another review (here, a lock held on the copy's parts) makes the copy, the page says
    so, not "0% made" of a copy this review is not making; once it may, it makes the copy."""
    import fcntl
    import time

    source = phone_source(tmp_path / "game.mp4", "libx264", "yuv420p")
    folder = tmp_path / "detect"
    folder.mkdir()
    copies = BrowserCopies([("g1", source, folder)], always_copy=True, progress=False)
    with open(folder / f".{COPY_NAME}.parts.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        copies.start()
        try:
            deadline = time.monotonic() + 60
            while "another review" not in copies.current("g1").note and time.monotonic() < deadline:
                time.sleep(0.05)
            now = copies.current("g1")
            assert now.state == "making" and now.done == 0.0
            assert now.note.endswith(": another review of this folder is making its H.264 copy; "
                                     "the player switches to it when it is done. Decisions can "
                                     "be made meanwhile.")
            assert "% made" not in now.note
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    try:
        assert copies.wait(120)
        assert copies.current("g1").state == "copy"
    finally:
        copies.stop()
