"""bench/fuzz_inputs.py: the inputs it makes instead of mutating are what its rows say they are."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from highlights.video import VideoError, iter_frames, probe
from tests.bench_modules import bench_module


def test_the_made_videos_are_the_kinds_named(tmp_path):
    with bench_module("fuzz_inputs") as bench:
        changing = bench.frame_rate_changes(tmp_path / "vfr.mp4")
        steps = np.diff([f.time_s for f in iter_frames(changing)])
        assert steps.max() == pytest.approx(1 / 15, abs=2e-3) and steps.min() == pytest.approx(1 / 60, abs=2e-3)
        long = bench.ten_hour_header(tmp_path / "long.mp4")  # an MKV, named so
        with av.open(str(long)) as container:
            assert container.duration / av.time_base == pytest.approx(36000, rel=0.01)
        assert len(list(iter_frames(long))) == 3
        with pytest.raises(VideoError, match="1x1 pixels"):
            probe(bench.one_pixel(tmp_path / "dot.mp4"))
        assert (probe(bench.odd_size(tmp_path / "odd.mp4")).width,
                probe(tmp_path / "odd.mp4").height) == (33, 17)
        with pytest.raises(VideoError, match="no video stream"):
            probe(bench.empty_audio_only(tmp_path / "memo.mp4"))
        named = bench.newline_in_name(tmp_path / "cut.mp4")
        assert "\n" in named.name and named.is_file() and not (tmp_path / "cut.mp4").exists()


def test_the_made_json_differs_from_its_source_only_as_named(tmp_path):
    source = tmp_path / "cm.json"
    source.write_text(json.dumps({"labels": ["a", "b"], "matrix": [[3, 1], [0, 4]]}))
    with bench_module("fuzz_inputs") as bench:
        made = {kind: bench.json_maker(kind, source)(tmp_path / f"{kind}.json").read_bytes()
                for kind in bench.JSON_TEXTS}
    assert made["bom"] == b"\xef\xbb\xbf" + source.read_bytes()
    assert made["utf-16"].decode("utf-16") == source.read_text()
    assert json.loads(made["null"]) is None
    with pytest.raises(ValueError, match="4300 digits"):
        json.loads(made["huge-number"])
    with pytest.raises(RecursionError):
        json.loads(made["deep-nesting"])


def test_the_made_grow_manifests_are_the_kinds_named(tmp_path):
    """bench/fuzz_structured_inputs.py's dataset-grow manifests differ from a valid one as named."""
    import csv
    import io

    fixture = tmp_path / "fixture"
    for label in ("baseball_swing", "none"):
        (fixture / "more" / label).mkdir(parents=True)
    with bench_module("fuzz_structured_inputs") as bench:
        makers = {m.__name__: m for m in bench.grow_makers(2)}
        made = {}
        for name, make in makers.items():
            case = tmp_path / name
            case.mkdir()
            made[name] = make(case, fixture).read_bytes()
        good = list(csv.reader(io.StringIO(makers["bom"](tmp_path / "x", fixture)
                                           .read_text(encoding="utf-8-sig"))))
    assert made["bom"].startswith(b"\xef\xbb\xbf") and good[0] == ["path", "label", "group"]
    assert made["utf_16"].decode("utf-16").startswith("path,label,group")
    assert b"\0" in made["nul_in_path"] and b"\0" not in made["row_twice"]
    assert max(len(line) for line in made["line_of_2_mb"].splitlines()) > 2 << 20
    rows = list(csv.reader(io.StringIO(made["row_twice"].decode())))
    assert rows[-1] == rows[1] and len(rows) == len(good) + 1
    assert list(csv.reader(io.StringIO(made["no_label_column"].decode())))[0] == ["path", "group"]
    assert json.loads(made["manifest_json"])[0]["label"] == "baseball_swing"
