"""The engine's floor plan holds: subpackages by concept, imports only downwards, no UI code in the engine.

`ARCHITECTURE.md` draws the same picture; this test is what keeps it true. Imports are read from the source (every
`import` statement, also those inside functions), so a lazy import cannot hide a dependency.
"""

import ast
import importlib
import pkgutil
from pathlib import Path

import engine

ENGINE = Path(engine.__file__).parent
# What each subpackage may import from the others. Lower layers never import higher ones: `training` knows nothing
# of the job database or processes (`jobs`), and nothing in the engine imports the command line (`cli`).
MAY_IMPORT = {
    "common": set(),
    "datasets": {"common"},
    "models": {"common", "datasets"},
    "tokenizer": {"common", "datasets", "models"},
    "tasks": {"common", "datasets", "models"},
    "training": {"common", "datasets", "models", "tasks"},
    "inference": {"common", "datasets", "models", "training", "tasks"},
    "jobs": {"common", "datasets", "models", "training", "tasks"},
    "experiments": {"common", "datasets", "models", "tasks", "training", "inference", "jobs"},
    "cli": {"common", "datasets", "models", "tokenizer", "tasks", "training", "inference", "jobs", "experiments"},
}


def _modules() -> list[Path]:
    return sorted(path for path in ENGINE.rglob("*.py") if "__pycache__" not in path.parts)


def _imported_names(path: Path, package: str | None = None) -> set[str]:
    """Every module named by an import in this file (of `package`, by default where the file is), as absolute names."""
    package = package or ".".join(path.relative_to(ENGINE.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}  # `from engine import jobs`
    return names


def _subpackage(path: Path) -> str | None:
    parts = path.relative_to(ENGINE).parts
    return parts[0] if len(parts) > 1 else None


def _engine_edges() -> dict[str, set[str]]:
    """Subpackage -> the other subpackages its modules import."""
    edges: dict[str, set[str]] = {name: set() for name in MAY_IMPORT}
    for path in _modules():
        source = _subpackage(path)
        if source is None:
            continue
        for name in _imported_names(path):
            parts = name.split(".")
            if parts[0] == "engine" and len(parts) > 1 and parts[1] in MAY_IMPORT and parts[1] != source:
                edges[source].add(parts[1])
    return edges


def test_the_engine_top_level_holds_only_the_package_and_the_command_line_entry():
    assert sorted(path.name for path in ENGINE.glob("*.py")) == ["__init__.py", "__main__.py"]


def test_every_subpackage_is_known_and_says_what_it_holds_and_may_import():
    found = {path.parent.name for path in ENGINE.glob("*/__init__.py")}
    assert found == set(MAY_IMPORT)
    for name in found:
        doc = ast.get_docstring(ast.parse((ENGINE / name / "__init__.py").read_text()))
        assert doc and "import" in doc, f"engine/{name}/__init__.py must say what it holds and what it may import"


def test_every_engine_module_imports_cleanly():
    for module in pkgutil.walk_packages(engine.__path__, "engine."):
        if module.name != "engine.__main__":  # runs the CLI
            importlib.import_module(module.name)


def test_no_engine_module_imports_gradio_or_the_ui():
    offenders = [
        f"{path.relative_to(ENGINE.parent)}: {name}"
        for path in _modules()
        for name in _imported_names(path)
        if name.split(".")[0] in ("gradio", "gradio_client", "ui", "app")
    ]
    assert offenders == []


def test_subpackages_import_only_the_layers_below_them():
    edges = _engine_edges()
    assert {name: sorted(used - MAY_IMPORT[name]) for name, used in edges.items() if used - MAY_IMPORT[name]} == {}


def test_there_is_no_import_cycle_between_subpackages():
    edges = _engine_edges()
    visiting, done = [], set()

    def visit(name: str) -> None:
        assert name not in visiting, f"import cycle: {' -> '.join([*visiting[visiting.index(name) :], name])}"
        if name in done:
            return
        visiting.append(name)
        for used in sorted(edges[name]):
            visit(used)
        visiting.pop()
        done.add(name)

    for name in sorted(edges):
        visit(name)


def test_the_allowed_imports_themselves_form_no_cycle():
    # The table above is the design: it must be a layering, whatever the code does today.
    order = ["common", "datasets", "models", "tokenizer", "tasks", "training", "inference", "jobs"]
    order += ["experiments", "cli"]
    for position, name in enumerate(order):
        assert MAY_IMPORT[name] <= set(order[:position]), name


def test_the_import_reader_sees_lazy_and_relative_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f():\n    from engine.jobs.store import JobStore\n    import gradio\n    from ..jobs import queue\n"
    )
    names = _imported_names(probe, package="engine.training")
    assert {"engine.jobs.store", "gradio", "engine.jobs", "engine.jobs.queue"} <= names
