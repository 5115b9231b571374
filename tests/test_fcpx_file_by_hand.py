"""The finishing touches to the Final Cut Pro X file, on a small file written by hand in the layout
OpenTimelineIO's adapter writes (the browser's asset clips beside the project)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from highlights.pipeline.outputs.fcpx_file import asset_clips, on_ntsc_frames

_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.9"><resources><format id="r1" name="FFVideoFormat1080p30"/>\
<asset id="r2" name="001 a" src="file:///footage/cam%20a.mp4" start="3600s" format="r1"/></resources>\
<asset-clip ref="r2" name="browser"/><asset-clip ref="r2" name="trimmed" start="10s"/>\
<project><sequence><spine>\
<clip name="001 a" offset="0s" duration="2s" start="3602s"><video ref="r2" offset="0s" duration="2s"/>\
<marker start="3603s" duration="1/30s" value="a"/></clip>\
<clip name="002 b" offset="2s" duration="2s"><video ref="r2"/><video ref="r2"/></clip>\
</spine></sequence></project></fcpxml>
"""


def test_a_clip_of_one_picture_becomes_an_asset_clip_with_its_markers_and_others_stay():
    text = asset_clips(_FILE, sound=False)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n<fcpxml')
    root = ET.fromstring(text[text.index("<fcpxml"):])
    asset = root.find("resources/asset")
    assert (asset.get("hasAudio"), asset.get("name")) == ("0", "cam a.mp4")
    first, second = list(root.find(".//spine"))
    assert first.tag == "asset-clip"
    assert {k: first.get(k) for k in ("name", "ref", "offset", "duration", "start", "format")} == {
        "name": "001 a", "ref": "r2", "offset": "0s", "duration": "2s", "start": "3602s", "format": "r1"}
    assert [m.get("value") for m in first.findall("marker")] == ["a"]
    assert second.tag == "clip" and len(second.findall("video")) == 2      # two pictures: left as written
    browser = {clip.get("name"): clip.get("start") for clip in root.findall("asset-clip")}
    assert browser == {"browser": "3600s", "trimmed": "10s"}
    assert ET.fromstring(asset_clips(_FILE, sound=True)[text.index("<fcpxml"):]).find(
        "resources/asset").get("hasAudio") == "1"


def test_times_move_onto_the_exact_ntsc_frames_and_time_zero_stays_zero():
    text = '<clip offset="0s" duration="100/2997s" start="3600s"/>'
    # At the named 29.97: 100/2997 s is 1 frame, 3600 s is 107892 frames; each frame 1001/30000 s.
    assert on_ntsc_frames(text, 29.97) == '<clip offset="0s" duration="1001/30000s" start="8999991/2500s"/>'
