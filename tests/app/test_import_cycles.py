"""The largest import cycle among the core's modules, read statically from every ``cspr`` import."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.figures import report

CORE = Path(__file__).resolve().parents[2] / "core"

#: The largest cycle allowed (the issue's bound): models that name each other's classes in their
#: relationships (an incident's reviews, a review's recommendations), the sign-in pages and their
#: second-factor routes.
LARGEST_CYCLE = 3


def module_name(path: Path, root: Path = CORE) -> str:
    """``core/web/staff/pages.py`` -> ``cspr.web.staff.pages``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["cspr", *parts])


def import_graph(root: Path = CORE) -> dict[str, set[str]]:
    """Each module -> the ``cspr`` modules it imports, at the top or inside functions."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, up level - 1
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                # `from pkg import sub` imports the submodule; `from mod import name`, the module
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in node.names]
            for target in targets:
                while target and target not in paths:  # an attribute of a module: the module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def test_the_reader_finds_a_cycle_through_a_function_level_import(tmp_path):
    (tmp_path / "a.py").write_text("from cspr import b\n")
    (tmp_path / "b.py").write_text("def f():\n    from cspr.c import thing\n")
    (tmp_path / "c.py").write_text("import cspr.a\n")
    (tmp_path / "d.py").write_text("from cspr import a\n")  # into the cycle, not part of it
    cycles = [c for c in strongly_connected(import_graph(tmp_path)) if len(c) > 1]
    assert cycles == [["cspr.a", "cspr.b", "cspr.c"]]


def test_the_largest_import_cycle_among_the_core_modules_is_small():
    graph = import_graph()
    cycles = sorted((c for c in strongly_connected(graph) if len(c) > 1), key=len, reverse=True)
    largest = cycles[0] if cycles else []
    report(f"import cycles: the largest runs through {len(largest)} of {len(graph)} core modules "
           f"({', '.join(largest)}); {len(cycles)} cycles in all",
           "import-cycles.json", {"modules": len(graph), "cycles": cycles})
    assert len(largest) <= LARGEST_CYCLE, cycles
    # the app factory is imported by the entry points only (the commands, `cspr up`'s server, WSGI),
    # never by what it builds
    factory_importers = sorted(m for m, targets in graph.items() if "cspr.app" in targets)
    assert factory_importers == ["cspr", "cspr.cli", "cspr.cli.workers", "cspr.wsgi"]
    # services never import the tasks; the tasks import services
    services = [m for m in graph if not (is_web(m) or is_task(m) or m.startswith(("cspr.cli", "cspr.app")))
                and m not in ("cspr", "cspr.wsgi", "cspr.__main__")]
    assert {m: sorted(t for t in graph[m] if is_task(t))
            for m in services if any(is_task(t) for t in graph[m])} == {}


def is_web(module: str) -> bool:
    """A page, an API resource or the HTTP plumbing: ``cspr.web.*``, or a domain's views and API."""
    parts = module.split(".")
    return module.startswith("cspr.web") or "views" in parts or parts[-1] in ("api", "briefing_views", "feeds")


def is_task(module: str) -> bool:
    """The Celery app and the schedule (``cspr.tasks.*``), or a domain's tasks."""
    return module.startswith("cspr.tasks") or module.endswith(".tasks")
