"""The reader every evaluation of a dataset version goes through (`load_checked_splits`): each split
asked for, whole; refused when one is empty or a single clip changed since the version was written."""

from __future__ import annotations

import pytest

from highlights.datasets.checks import check_stored_clips, load_checked_splits
from highlights.datasets.errors import DatasetError
from tests.train_fixtures import make_colour_dataset


@pytest.fixture(scope="module")
def version(tmp_path_factory):
    return make_colour_dataset(tmp_path_factory.mktemp("checked-splits"), per_class=4)


def test_each_split_asked_for_is_read_whole_in_its_order(version):
    dataset, (test, val) = load_checked_splits(version.root, "v1", ["test", "val"])
    assert dataset.name == "v1"
    assert [c.clip_id for c in test] == [c.clip_id for c in version.split("test", augmented=False)]
    assert [c.clip_id for c in val] == [c.clip_id for c in version.split("val", augmented=False)]
    assert test and val


def test_an_empty_split_is_refused_naming_it(version, tmp_path):
    from highlights.datasets import create_version
    from tests.train_fixtures import write_colour_clips

    no_test = create_version(write_colour_clips(tmp_path / "src", per_class=2), tmp_path / "data",
                             ratios=(0.5, 0.5, 0.0), seed=0)
    assert no_test.split("test", augmented=False) == []
    with pytest.raises(DatasetError, match="the test split is empty") as refused:
        load_checked_splits(no_test.root, "v1", ["train", "test"])
    # ... and says what to do: more source videos, or a folder of clips the model did not train on
    assert "clips of more source videos" in str(refused.value)
    assert "highlights evaluate --clips FOLDER" in str(refused.value)


def test_one_clip_changed_since_the_version_was_written_is_refused(tmp_path):
    one = make_colour_dataset(tmp_path, per_class=2)
    clips = one.split("train", augmented=False)
    check_stored_clips(one, clips)  # as written: nothing to say
    clips[0].path.chmod(0o644)
    clips[0].path.write_bytes(clips[0].path.read_bytes() + b"\0")
    with pytest.raises(DatasetError) as err:
        check_stored_clips(one, clips)
    assert f"(clip {clips[0].clip_id} of v1" in str(err.value) and "changed since v1 was written" in str(err.value)
