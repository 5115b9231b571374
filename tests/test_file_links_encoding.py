"""Links to files are the bytes the file system names them with, escaped: a browser turns a file://
link's %XX escapes back into bytes and opens the file of those bytes (a detect page's clips,
thumbnails and reel), and an editor's file URL names its file by them (the FCP X asset's name is
read back from it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes

from highlights.pipeline.outputs.html_page import _href
from tests.latin1_locale import LATIN1, needs_latin1


# Run under the locale given: writes a clip named with an accent, prints its link from the page's folder.
_LINK_UNDER_LOCALE = """
import sys
from pathlib import Path
from highlights.pipeline.outputs.html_page import _href
page = Path(sys.argv[1])
(page / "clips").mkdir()
clip = page / "clips" / "hl_001_tir_au_but_\\u00e9.mp4"
clip.write_bytes(b"")
print(sys.getfilesystemencoding(), _href(clip, page))
"""


def _opens(page: Path, href: str) -> bool:
    """Whether the link, its escapes turned back into bytes as a browser does, names a file there."""
    return os.path.isfile(os.fsencode(page) + b"/" + unquote_to_bytes(href))


def test_a_link_names_the_file_by_its_bytes_where_the_name_is_no_text_of_the_encoding(tmp_path):
    # A name holding a byte the file system's encoding cannot read (a Latin-1 `é` under UTF-8) is
    # kept by Python as an escaped surrogate: its link is that byte, where quoting it as text failed.
    clip = tmp_path / "clips" / os.fsdecode(b"hl_001_\xe9.mp4")
    clip.parent.mkdir()
    clip.write_bytes(b"")
    href = _href(clip, tmp_path)
    assert href == "clips/hl_001_%E9.mp4" and _opens(tmp_path, href)


@needs_latin1
def test_under_a_latin1_locale_a_clip_named_with_an_accent_is_linked_as_latin1(tmp_path):
    env = {**os.environ, "LANG": LATIN1, "LC_ALL": LATIN1, "PYTHONUTF8": "0", "PYTHONIOENCODING": "utf-8",
           "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", _LINK_UNDER_LOCALE, str(tmp_path)], env=env, capture_output=True,
                          text=True, check=True)
    encoding, href = done.stdout.split()
    assert encoding == "iso8859-1"
    assert href == "clips/hl_001_tir_au_but_%E9.mp4" and _opens(tmp_path, href)


# Run under the locale given: the FCP X file's asset named from its file URL, as the OTIO adapter
# writes it (`Path.as_uri`, the file system's bytes escaped).
_ASSET_NAME_UNDER_LOCALE = """
import xml.etree.ElementTree as ET
from pathlib import Path
from highlights.pipeline.outputs.fcpx_file import asset_clips
src = Path("/footage/partie_\\u00e9t\\u00e9.mp4").as_uri()
text = asset_clips(f'<?xml version="1.0"?><fcpxml version="1.9"><resources><asset id="r2" name="x" src="{src}"/>'
                   '</resources></fcpxml>', sound=False)
print(src, ascii(ET.fromstring(text[text.index("<fcpxml"):]).find(".//asset").get("name")))
"""


@needs_latin1
def test_under_a_latin1_locale_the_fcpx_asset_is_named_as_its_file(tmp_path):
    env = {**os.environ, "LANG": LATIN1, "LC_ALL": LATIN1, "PYTHONUTF8": "0", "PYTHONIOENCODING": "utf-8",
           "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", _ASSET_NAME_UNDER_LOCALE], env=env, capture_output=True, text=True,
                          check=True)
    src, name = done.stdout.split()
    assert src == "file:///footage/partie_%E9t%E9.mp4"
    assert name == ascii("partie_\u00e9t\u00e9.mp4")
