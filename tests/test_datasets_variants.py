"""Augmented variants materialised into a version: train only, derived, counted apart, decodable."""

from __future__ import annotations

import numpy as np
import pytest

from tests.dataset_fixtures import FPS, layout_of, make_class_tree
from highlights.augment import PhoneAugmentConfig
from highlights.datasets import SPLITS, create_version, grow_version, load_version
from highlights.video import probe, read_clip

STRONG = PhoneAugmentConfig(motion_blur_p=1.0, downscale_p=1.0, jpeg_p=1.0, affine_p=0.5, brightness_contrast_p=0.0)


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("variants")
    src = make_class_tree(tmp / "src", layout_of({"a": 5, "b": 4}))
    root = tmp / "root"
    v1 = create_version(src, root, augment_variants=2, augment_config=STRONG, seed=2)
    more = make_class_tree(tmp / "more", layout_of({"b": 4}, prefix="n-"), seed=4)
    v2 = grow_version(more, root, "v1", augment_variants=1, augment_config=STRONG)
    return v1, v2


def test_variants_are_made_for_train_clips_only_and_marked_derived(versions) -> None:
    v1, _ = versions
    real = {c.clip_id: c for c in v1.real_clips}
    train = [c for c in real.values() if c.split == "train"]
    assert train and len(train) < len(real)
    assert len(v1.augmented_clips) == 2 * len(train)
    for variant in v1.augmented_clips:
        source = real[variant.derived_from]
        assert source.split == "train" == variant.split
        assert (variant.label, variant.group, variant.licence) == (source.label, source.group, source.licence)
        assert variant.sha256 != source.sha256
        assert source.clip_id in variant.provenance
    assert all(c.derived_from is None for c in v1.split("val") + v1.split("test"))
    assert v1.split("train", augmented=False) == train


def test_variants_are_counted_apart_and_their_parameters_recorded(versions) -> None:
    v1, _ = versions
    meta = v1.meta
    assert meta["counts"]["total"] == len(v1.real_clips)
    augmented = meta["augmented_counts"]
    assert augmented["total"] == len(v1.augmented_clips)
    assert augmented["per_split"] == {"train": len(v1.augmented_clips), "val": 0, "test": 0}
    for cls in v1.classes:
        assert augmented["per_class"][cls]["train"] == 2 * meta["counts"]["per_class"][cls]["train"]
    assert meta["augment"]["variants_per_clip"] == 2
    assert PhoneAugmentConfig.from_dict(meta["augment"]["config"]) == STRONG
    for variant in v1.augmented_clips:
        recorded = meta["clips"][variant.clip_id]["augment"]
        assert isinstance(recorded["seed"], int)
        assert 3 <= recorded["params"]["MotionBlur"]["kernel_size"] <= 21
        assert 0.35 <= recorded["params"]["Downscale"]["scale"] <= 0.7


def test_variants_decode_at_the_source_frame_rate_and_differ_from_it(versions) -> None:
    v1, _ = versions
    real = {c.clip_id: c for c in v1.real_clips}
    variant = v1.augmented_clips[0]
    source = real[variant.derived_from]
    info, source_info = probe(variant.path), probe(source.path)
    assert info.fps == pytest.approx(FPS) and (info.width, info.height) == (source_info.width, source_info.height)
    assert info.num_frames == source_info.num_frames
    frames, _ = read_clip(variant.path, num_frames=4)
    original, _ = read_clip(source.path, num_frames=4)
    assert frames.shape == original.shape
    assert np.abs(frames.astype(int) - original).mean() > 2


def test_grow_keeps_parent_variants_and_adds_new_ones_for_new_train_clips(versions) -> None:
    v1, v2 = versions
    old_ids = {c.clip_id for c in v1.clips}
    assert {c.clip_id for c in v1.augmented_clips} <= {c.clip_id for c in v2.augmented_clips}
    new_train = [c for c in v2.real_clips if c.clip_id not in old_ids and c.split == "train"]
    new_variants = [c for c in v2.augmented_clips if c.clip_id not in old_ids]
    assert len(new_variants) == len(new_train) == v2.meta["added"]["augmented"]
    assert {c.derived_from for c in new_variants} == {c.clip_id for c in new_train}
    # variants stay with their source's group, so no group spans two splits
    splits_of = {}
    for clip in v2.clips:
        splits_of.setdefault(clip.group, set()).add(clip.split)
    assert all(len(s) == 1 for s in splits_of.values())
    assert set(v2.meta["augmented_counts"]["per_split"]) == set(SPLITS)


def test_a_large_clips_variants_are_written_at_most_at_the_stored_short_side(tmp_path) -> None:
    # A phone's 1080p or 4K clip decoded whole for augmenting took gigabytes; training reads
    # variants at its clip spec's short side, far below the cap.
    from highlights.datasets.variants import VARIANT_MAX_SHORT_SIDE, make_variants
    from highlights.augment import PhoneAugment
    from tests.dataset_fixtures import write_clip

    source = write_clip(tmp_path / "big.mp4", 3, frames=3, width=2 * VARIANT_MAX_SHORT_SIDE,
                        height=VARIANT_MAX_SHORT_SIDE + 40)
    (tmp_path / "clips").mkdir()
    (variant,) = make_variants(source, tmp_path, PhoneAugment(STRONG), [7])
    info = probe(tmp_path / variant.file_name)
    assert min(info.width, info.height) <= VARIANT_MAX_SHORT_SIDE
    assert info.width / info.height == pytest.approx(
        2 * VARIANT_MAX_SHORT_SIDE / (VARIANT_MAX_SHORT_SIDE + 40), rel=0.02)
    assert info.num_frames == 3


def test_grow_with_variants_gives_the_parents_train_clips_theirs_too(tmp_path) -> None:
    # A parent made without variants: "two variants per training clip" must hold for the whole
    # new version, not only for its new clips.
    root = tmp_path / "root"
    v1 = create_version(make_class_tree(tmp_path / "src", layout_of({"a": 5, "b": 4})), root, seed=2)
    assert not v1.augmented_clips
    more = make_class_tree(tmp_path / "more", layout_of({"b": 4}, prefix="n-"), seed=4)
    v2 = grow_version(more, root, "v1", augment_variants=2, augment_config=STRONG)
    train = [c for c in v2.real_clips if c.split == "train"]
    per_source = {c.clip_id: 0 for c in train}
    for variant in v2.augmented_clips:
        per_source[variant.derived_from] += 1
    assert set(per_source.values()) == {2}
    assert v2.meta["added"]["augmented"] == 2 * len(train)
    assert not load_version(root, "v1").augmented_clips  # the parent is untouched

    # Grown again with fewer asked for than they have, no clip gets more.
    v3 = grow_version(make_class_tree(tmp_path / "third", layout_of({"a": 1}, prefix="t-"), seed=6), root, "v2",
                      augment_variants=1, augment_config=STRONG)
    assert {c.clip_id for c in v2.augmented_clips} <= {c.clip_id for c in v3.augmented_clips}
    assert v3.meta["added"]["augmented"] == sum(1 for c in v3.real_clips
                                                 if c.split == "train" and c.clip_id not in per_source)


def _variants_per_train_clip(version) -> dict[str, int]:
    per_source = {c.clip_id: 0 for c in version.real_clips if c.split == "train"}
    for variant in version.augmented_clips:
        per_source[variant.derived_from] += 1
    return per_source


def test_grow_without_a_count_makes_as_many_variants_as_the_parent_did(tmp_path) -> None:
    # Growing a version made with two variants per training clip and saying nothing left the new
    # training clips (often the added `none` clips) the only ones without phone-footage copies.
    root = tmp_path / "root"
    create_version(make_class_tree(tmp_path / "src", layout_of({"a": 5, "b": 4})), root, seed=2,
                   augment_variants=2, augment_config=STRONG)
    more = make_class_tree(tmp_path / "more", layout_of({"b": 6}, prefix="n-"), seed=4)
    v2 = grow_version(more, root, "v1")
    per_source = _variants_per_train_clip(v2)
    assert len(per_source) > 7 and set(per_source.values()) == {2}
    assert v2.meta["augment"]["variants_per_clip"] == 2
    assert PhoneAugmentConfig.from_dict(v2.meta["augment"]["config"]) == STRONG

    # Asked for none, the new clips get none; a version grown from that one, which records no
    # setting, goes on from the variants its clips hold.
    v3 = grow_version(make_class_tree(tmp_path / "third", layout_of({"a": 4}, prefix="t-"), seed=6), root, "v2",
                      augment_variants=0)
    assert v3.meta["added"]["augmented"] == 0 and v3.meta["augment"] is None
    v4 = grow_version(make_class_tree(tmp_path / "fourth", layout_of({"b": 4}, prefix="f-"), seed=8), root, "v3")
    assert set(_variants_per_train_clip(v4).values()) == {2}


def test_grow_of_a_parent_without_variants_makes_none(tmp_path) -> None:
    root = tmp_path / "root"
    create_version(make_class_tree(tmp_path / "src", layout_of({"a": 5, "b": 4})), root, seed=2)
    v2 = grow_version(make_class_tree(tmp_path / "more", layout_of({"b": 4}, prefix="n-"), seed=4), root, "v1")
    assert not v2.augmented_clips and v2.meta["augment"] is None
