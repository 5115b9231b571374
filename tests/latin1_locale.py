"""A Latin-1 locale for tests that run a command under it, and whether this machine has one
(`localedef` makes it; most machines carry only C and UTF-8 locales, where those tests skip)."""

from __future__ import annotations

import subprocess

import pytest

LATIN1 = "en_US.ISO-8859-1"


def locale_installed(name: str) -> bool:
    try:
        found = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout.split()
    except OSError:
        return False
    return name.lower().replace("-", "") in (n.lower().replace("-", "") for n in found)


needs_latin1 = pytest.mark.skipif(not locale_installed(LATIN1), reason=f"no {LATIN1} locale installed")
