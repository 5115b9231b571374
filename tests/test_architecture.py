"""The package's import structure: no import cycle, no upward import, backends only in `stages/`.

Imports are read from the source (every `import` statement, at module level or inside a function,
except those under `if TYPE_CHECKING:`), so a cycle hidden in a lazy import counts too. And
docs/architecture.md states that structure as it is: its layer order, a row per package folder,
and every top-level module named.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import highlights

SRC = Path(highlights.__file__).parent

# Lower layers never import higher ones; a layer may import within itself and below.
LAYERS: list[set[str]] = [
    {"errors", "atomic", "csv_cells", "counted_noun", "figures_apart", "ratio_figures", "file_hash",
     "file_set", "packaged_file", "file_identity", "content_hash_cache", "npz_file",
     "markdown_table", "progress", "progress_callback", "console", "vocabulary", "clips",
     "machine_load", "cache_dir", "home_folder", "rate_interval", "auc_interval",
     "calibration_error", "made_folders", "file_name_letters", "owner_pid", "supported_system",
     "contrast", "figure_png", "reliability_diagram", "wrapped_label", "worker_processes", "class_slips",
     "settings_from_dict", "ctrl_c_held", "one_line_name",
     "__init__"},
    {"video", "events"},
    {"augment", "synth", "model", "report", "people"},
    {"datasets"},
    {"train", "pipeline", "review", "pose_classifier"},
    {"demo", "batch"},
    {"cli", "__main__"},
]
LAYER_OF = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(n) for node in ast.walk(tree)
                 if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
                 for n in ast.walk(node)}
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "highlights"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "highlights":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in modules else node.module)
    return {m for m in out if m in modules}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_import_cycle():
    assert _cycles(_graph()) == []


def test_no_upward_import():
    graph = _graph()
    unknown = sorted({_top(m) for m in graph} - set(LAYER_OF))
    assert unknown == [], f"place these in LAYERS: {unknown}"
    upward = [(m, d) for m, deps in graph.items() for d in deps if LAYER_OF[_top(d)] > LAYER_OF[_top(m)]]
    assert upward == []


def test_pipeline_core_knows_no_backend():
    """Only the catalogue (`stages/__init__`) and the config that checks backend names against it
    import the backends; the registry, the roles and the run import none."""
    graph = _graph()
    for module, deps in graph.items():
        if not module.startswith("highlights.pipeline.") or module.startswith("highlights.pipeline.stages"):
            continue
        backends = sorted(d for d in deps if d.startswith("highlights.pipeline.stages"))
        assert backends == ([] if module != "highlights.pipeline.config" else ["highlights.pipeline.stages"]), module


def test_every_backend_module_is_in_the_catalogue():
    import highlights.pipeline.stages  # noqa: F401 (registers the backends)
    from highlights.pipeline.registry import _REGISTRY

    files = {p.stem for p in (SRC / "pipeline" / "stages").glob("*.py") if p.stem != "__init__"}
    catalogued = {d.rsplit(".", 1)[1] for d in _graph()["highlights.pipeline.stages"]}
    assert files == catalogued
    defined_in = {cls.__module__.rsplit(".", 1)[1] for cls in _REGISTRY.values()
                  if cls.__module__.startswith("highlights.pipeline.stages.")}
    assert defined_in == files  # each module registers at least one backend


def test_the_architecture_page_states_the_layers_as_they_are():
    """docs/architecture.md's "(layers: a/b < c/d < ...)" names every package folder (and `demo`)
    in its layer here, so the page cannot keep an order the code left."""
    page = (SRC.parents[1] / "docs" / "architecture.md").read_text()
    stated = re.search(r"\(layers: ([^)]*)\)", " ".join(page.split())).group(1)
    named = {name: rank for rank, group in enumerate(stated.split(" < "))
             for name in group.split()[0].split("/")}
    folders = {p.name for p in SRC.iterdir() if p.is_dir() and not p.name.startswith("_")} | {"demo"}
    assert sorted(folders - set(named)) == []
    assert {name: rank for name, rank in named.items() if LAYER_OF.get(name) != rank} == {}


def test_the_architecture_pages_folder_table_has_a_row_per_package_folder():
    page = (SRC.parents[1] / "docs" / "architecture.md").read_text()
    rows = set(re.findall(r"^\| `(\w+)/` \|", page, re.M))
    folders = {p.name for p in SRC.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert sorted(folders - rows) == [] and sorted(rows - folders) == []


def test_the_architecture_page_names_every_top_level_module():
    """A module added beside the folders (a shared small piece) gets its line on the page, where
    the next person looks before writing the same thing again."""
    page = (SRC.parents[1] / "docs" / "architecture.md").read_text()
    modules = {p.stem for p in SRC.glob("*.py") if not p.stem.startswith("_")}
    named = {m for m in modules if re.search(rf"`(?:highlights\.)?{m}(?:\.py|\.\w+|\(\))?`", page)}
    assert sorted(modules - named) == []


def _page() -> str:
    return (SRC.parents[1] / "docs" / "architecture.md").read_text()


def test_the_architecture_pages_pipeline_listing_names_every_pipeline_module():
    """The `pipeline/` listing is where a reader looks for the module that does a job; one missing
    from it is found only by reading the folder."""
    listing = re.search(r"```\npipeline/\n(.*?)```", _page(), re.S).group(1)
    listed = set(re.findall(r"\b(\w+)\.py\b", listing))
    modules = {p.stem for p in (SRC / "pipeline").glob("*.py") if p.stem != "__init__"}
    assert sorted(modules - listed) == [] and sorted(listed - modules) == []


def _defined_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.ImportFrom)):
            targets = node.names if isinstance(node, ast.ImportFrom) else (
                node.targets if isinstance(node, ast.Assign) else [node.target])
            for target in targets:
                if isinstance(target, ast.alias):
                    names.add(target.asname or target.name)
                else:
                    names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def test_every_module_file_and_setting_the_architecture_page_names_exists():
    """`highlights.x.y` (a module, or a name one defines), `folder/file.py` and `section.field`
    spans on the page resolve in the code as it is, so the map never sends a reader to a module
    or setting that was renamed or removed."""
    from highlights.pipeline.config import SECTIONS, PipelineConfig

    spans = set(re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", _page(), flags=re.S)))
    modules = _modules()
    settings = {f"{section}.{name}" for section, fields in PipelineConfig().to_dict().items() for name in fields}
    unresolved = []
    for span in sorted(spans):
        dotted = re.fullmatch(r"(highlights(?:\.\w+)+)(?:\(.*\))?", span)
        path = re.fullmatch(r"((?:\w+/)+\w+\.py)", span)
        setting = re.fullmatch(r"(?:--set )?((\w+)\.\w+)(?:=.*)?", span)
        if span.endswith((".json", ".csv", ".md", ".html", ".png", ".pt")):
            continue  # a file the code writes or reads, such as `highlights.json`
        if dotted:
            module, _, name = dotted.group(1).rpartition(".")
            folder = SRC.parent.joinpath(*dotted.group(1).split("."))
            ok = (dotted.group(1) in modules or folder.is_dir()
                  or (module in modules and name in _defined_names(modules[module])))
        elif path:
            ok = any((base / path.group(1)).is_file() for base in (SRC, SRC.parents[1]))
        elif setting and setting.group(2) in SECTIONS:
            ok = setting.group(1) in settings
        else:
            continue
        if not ok:
            unresolved.append(span)
    assert unresolved == []


def test_every_folder_of_modules_is_a_regular_package():
    """A folder without `__init__.py` is a namespace package: it imports, but packaging and type
    checkers may pass over it, and its folder line has no docstring to match."""
    folders = {p.parent for p in SRC.rglob("*.py")}
    assert sorted(str(f.relative_to(SRC)) for f in folders if not (f / "__init__.py").is_file()) == []


def test_no_grab_bag_module():
    """A module is named for what it holds; `utils`, `helpers`, `misc` or `common` name nothing."""
    grab_bags = {"utils", "util", "helpers", "helper", "misc", "common", "tools"}
    assert sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if p.stem in grab_bags) == []
