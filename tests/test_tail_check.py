"""The pipeline's check for a cut-off upload before it reads one (`video.tail_check`) draws its line
where the check after a full read draws it (`check_frames_reach_end`): a file holding frames up to
the point the two allow is accepted by both, one that stops short of it is refused by both."""

from __future__ import annotations

import av
import pytest

from highlights.video import VideoError
from highlights.video.tail_check import check_end_present
from highlights.video.verify import MISSING_SHARE, check_frames_reach_end
from tests.pipeline_fixtures import make_game


def _last_frame_s_and_step(path) -> tuple[float, float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = sorted(float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None)
    return times[-1], times[-1] - times[-2]


def _refused(check, *args) -> bool:
    try:
        check(*args)
    except VideoError:
        return True
    return False


@pytest.mark.parametrize("slack_s", [0.0, 1.0])
def test_the_check_before_the_read_accepts_and_refuses_as_the_check_after_it(tmp_path, slack_s):
    video = make_game(tmp_path, duration_s=6.0)
    last_s, step_s = _last_frame_s_and_step(video)
    # An index promising a length whose 95% (less the slack) falls half a frame before the last
    # frame: the frames reach it. Promising a frame and a half more, they stop short of it.
    reached = (last_s - step_s / 2 + slack_s) / (1 - MISSING_SHARE)
    short = (last_s + 1.5 * step_s + slack_s) / (1 - MISSING_SHARE)
    assert not _refused(check_frames_reach_end, video, reached, last_s, slack_s)
    assert not _refused(check_end_present, video, reached, slack_s)
    assert _refused(check_frames_reach_end, video, short, last_s, slack_s)
    assert _refused(check_end_present, video, short, slack_s)
