"""Names past ASCII where the platform's text encoding is not UTF-8.

Windows opens text files as cp1252 unless told otherwise, and a C or POSIX locale with UTF-8 mode
off (`PYTHONUTF8=0`) as ASCII; a pipe or a log may print in either. The suite runs on Linux in
UTF-8, so those conditions are set in a subprocess's environment."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ASCII_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), *sys.path]), **env}
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=120)


def _text_opens_without_encoding(tree: ast.AST) -> list[int]:
    """Lines that open a file as text in the platform's default encoding."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or any(k.arg == "encoding" for k in node.keywords):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in ("read_text", "write_text"):
            lines.append(node.lineno)
        elif name == "open" and not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                                     and func.value.id != "self"):  # os.open, av.open, Image.open ...
            # open(path, mode) or path.open(mode): the mode is the first argument after the path
            args = node.args[1:] if isinstance(func, ast.Name) else node.args
            modes = [a.value for a in args[:1] if isinstance(a, ast.Constant)]
            modes += [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
            if not any("b" in str(mode) for mode in modes):
                lines.append(node.lineno)
    return lines


def test_every_text_file_the_package_opens_names_its_encoding():
    # Written by hand: the project has no linter among its dependencies (ruff's PLW1514 is this check).
    found = []
    for path in sorted((SRC / "highlights").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{path.relative_to(SRC)}:{line}" for line in _text_opens_without_encoding(tree)]
    assert found == []


def test_a_pipeline_config_holding_non_ascii_text_loads_under_an_ascii_locale(tmp_path):
    # A config the user wrote in UTF-8 (JSON's encoding), read where the locale's encoding is ASCII;
    # a Windows editor's byte-order mark is taken too.
    config = tmp_path / "config.json"
    config.write_bytes(b"\xef\xbb\xbf" + json.dumps({"classifier": {"sport": "f\u00fatbol"}},
                                                     ensure_ascii=False).encode("utf-8"))
    done = _python(f"from highlights.pipeline.config import PipelineConfig; "
                   f"print(ascii(PipelineConfig.load({str(config)!r}).classifier.sport))", **ASCII_LOCALE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ascii("f\u00fatbol")


def test_a_command_prints_non_ascii_names_where_output_is_ascii(tmp_path):
    # A finished command used to end in UnicodeEncodeError (a traceback, exit 1) printing its
    # output folder's name to an ASCII pipe.
    out = tmp_path / "jeu \u00e9t\u00e9 \u4e2d\u6587"
    done = _python("import sys; sys.argv = ['highlights', 'synth', 'game', '--minutes', '0.01', '--size', "
                   f"'64x48', '--out', {str(out)!r}, '--no-progress']; "
                   "from highlights.cli.entry import main; main()",
                   LC_ALL="C.UTF-8", PYTHONIOENCODING="ascii")
    assert done.returncode == 0, done.stderr
    assert "jeu \\xe9t\\xe9 \\u4e2d\\u6587" in done.stdout
    assert (out / "game_mixed_s0.mp4").is_file()


def test_names_print_under_a_c_locale_with_utf8_mode_off():
    # There Python writes standard output as ASCII with `surrogateescape`, not `strict`: a name's
    # undecodable bytes go out as they were read, and any other letter past ASCII (`été`) raised
    # UnicodeEncodeError. Such letters are escaped; the undecodable bytes still go out as read.
    code = ("import os; from highlights.cli.text_streams import print_any_name; print_any_name(); "
            "print('jeu \\u00e9t\\u00e9 \\u4e2d\\u6587'); print(os.fsdecode(b'donn\\xc3\\xa9es.mp4')); "
            "print(os.fsdecode(b'caf\\xc3\\xa9') + '\\u00e9' + os.fsdecode(b'\\xc3\\xa9'))")
    done = _python(code, **ASCII_LOCALE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["jeu \\xe9t\\xe9 \\u4e2d\\u6587", "donn\u00e9es.mp4",
                                        "caf\u00e9\\xe9\u00e9"]  # read bytes and typed letters side by side


def test_a_letter_is_kept_where_the_file_system_encoding_has_it_else_loses_its_accent_else_is_an_underscore():
    from highlights.file_name_letters import writable_name

    assert sys.getfilesystemencoding() == "utf-8"  # the suite's own: every letter is kept
    assert writable_name("tir_\u00e9 \u4e0a\u7bee") == "tir_\u00e9 \u4e0a\u7bee"
    code = ("from highlights.file_name_letters import writable_name as w; "
            "print([w(t) for t in ('Tir_\\u00e9', '\\u4e0a\\u7bee', 'e\\u0301', '\\ufb01nal')])")
    done = _python(code, **ASCII_LOCALE)
    assert done.returncode == 0, done.stderr
    # a lone accent has nothing left once its accent is taken off: `_`, not nothing
    assert done.stdout.strip() == str(["Tir_e", "__", "e_", "final"])


def test_a_utf8_file_name_read_as_ascii_is_blamed_on_the_locale_not_the_name(tmp_path):
    # Under a C locale with UTF-8 mode off, Python decodes `données.mp4` as ASCII and keeps its
    # other bytes as lone surrogates: renaming the file would not help, the setting would.
    utf8, latin1 = (os.fsencode(tmp_path) + b"/donn\xc3\xa9es.mp4", os.fsencode(tmp_path) + b"/donn\xe9es.mp4")
    code = ("import os; from highlights.video.file_names import name_not_utf8_cause as cause; "
            f"print(cause(os.fsdecode({utf8!r}))); print(cause(os.fsdecode({latin1!r})))")
    done = _python(code, **ASCII_LOCALE)
    assert done.returncode == 0, done.stderr
    utf8_name, latin1_name = done.stdout.splitlines()
    assert "reads file names as ascii" in utf8_name and "PYTHONUTF8=1" in utf8_name
    assert "rename the file" in latin1_name and "PYTHONUTF8" not in latin1_name


def test_clip_names_keep_to_the_letters_the_file_system_encoding_has(tmp_path):
    # Under an ASCII or Latin-1 file system encoding, a clip named after `tir_é` or `上篮` could not
    # be created, and the run failed after its analysis. Such a letter loses its accent, else becomes `_`.
    code = ("import os; from highlights.pipeline.highlight import Highlight; "
            "from highlights.pipeline.outputs.naming import clip_filename; "
            "names = [clip_filename(i, Highlight(1.0, 2.0, label, 'x', 0.5, None)) "
            "for i, label in enumerate(['tir_\\u00e9_but', '\\u4e0a\\u7bee'], 1)]; "
            f"[open(os.path.join({str(tmp_path)!r}, name), 'wb').close() for name in names]; print(names)")
    done = _python(code, **ASCII_LOCALE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(["hl_001_tir_e_but.mp4", "hl_002_highlight.mp4"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hl_001_tir_e_but.mp4", "hl_002_highlight.mp4"]


def test_a_name_the_file_system_encoding_lacks_is_one_error_line(tmp_path):
    # A file name made of text past ASCII (a class's folder) under an ASCII file system encoding:
    # one line naming the file and the setting to change, exit 1, rather than a traceback.
    folder = tmp_path / "tir_au_but_\u00e9"
    code = ("import pathlib, typer; from highlights.cli.boundary import ErrorBoundary; "
            "app = typer.Typer(cls=ErrorBoundary); app.command()(lambda: None); "
            f"app.command('make')(lambda: pathlib.Path({ascii(str(folder))}).mkdir()); app(['make'])")
    done = _python(code, **ASCII_LOCALE)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {folder}: this Python writes file names as ascii, which has no '\u00e9' (a C or POSIX locale "
        "with UTF-8 mode off, or a locale of another encoding): set PYTHONUTF8=1, or a UTF-8 locale such as "
        "LC_ALL=C.UTF-8"]
    assert not folder.exists()


def test_json_a_windows_editor_saved_with_a_byte_order_mark_reads_as_json(tmp_path):
    # Notepad's "UTF-8 with BOM": a confusion matrix, annotations and a clip's sidecar were refused
    # as "not valid JSON (Unexpected UTF-8 BOM)" where a pipeline config in it was taken.
    from highlights.datasets.sources import scan_class_folders
    from highlights.events.formats import load_annotations
    from highlights.report.files import load_confusion
    from tests.dataset_fixtures import write_clip

    def with_bom(path: Path, data: dict) -> Path:
        path.write_bytes(b"\xef\xbb\xbf" + json.dumps(data).encode("utf-8"))
        return path

    matrix = with_bom(tmp_path / "cm.json", {"labels": ["a", "b"], "matrix": [[3, 1], [0, 4]]})
    assert load_confusion(matrix) == (["a", "b"], [[3, 1], [0, 4]])
    events = with_bom(tmp_path / "game.json", {"video": "game.mp4", "duration_s": 10.0, "events": [
        {"label": "soccer_shooting", "start_s": 1.0, "end_s": 2.0}]})
    assert [e.label for e in load_annotations(events)[0].events] == ["soccer_shooting"]
    clip = write_clip(tmp_path / "clips" / "a" / "x.mp4", 1)
    with_bom(clip.with_suffix(".json"), {"group": "match-3"})
    assert [c.group for c in scan_class_folders(tmp_path / "clips").clips] == ["match-3"]
