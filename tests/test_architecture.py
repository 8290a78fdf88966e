"""The borders between capabilities, held by reading every import statement (DESIGN §1, §11).

- A capability (`core/<x>/` or `tenants/`) never imports another capability's `models`: it reads
  through that capability's service, whose read modules hand out plain data classes.
- `web/` imports no `models` at all: pages call services.
- Plugins import only `core.ports`, `core.hookspecs`, `core.money` and `core.testing` of
  Tradelane (and themselves).
- No import cycle between capabilities, and none between the modules of one capability.

Imports inside functions count as much as those at the top of a module: a late import hides a
dependency, it does not remove it. `docs/architecture.md` ("Borders") explains the rules.

Today's exceptions are listed below. The lists only shrink: a new exception fails the test, and
so does a listed one that no longer exists (delete its line when the code stops needing it).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("core", "tenants", "web", "plugins")
FIRST_PARTY = ("core", "tenants", "web", "plugins", "bench", "tests")
PLUGIN_MAY_IMPORT = ("core.ports", "core.hookspecs", "core.money", "core.testing")

# (importing module, models module of another capability) that the code still needs.
MODEL_IMPORTS_ALLOWED: set[tuple[str, str]] = {
    ("core.inventory.service.reports", "core.catalog.models"),
    ("core.sync.engine", "tenants.models"),
    ("core.sync.handlers", "tenants.models"),
    ("core.sync.jobs", "tenants.models"),
    ("core.sync.push", "tenants.models"),
    ("core.sync.service", "tenants.models"),
    ("core.sync.webhooks", "tenants.models"),
}

# (web module, models module) that the portal still needs.
WEB_MODEL_IMPORTS_ALLOWED: set[tuple[str, str]] = {
    ("web.catalog.views", "core.catalog.models"),
    ("web.connections.dashboard", "core.sync.models"),
    ("web.connections.dashboard", "tenants.models"),
    ("web.connections.views", "core.inventory.models"),
    ("web.connections.views", "core.sync.models"),
    ("web.connections.views", "tenants.models"),
    ("web.inventory.views", "core.inventory.models"),
}

# (plugin module, Tradelane module outside the plugin kit).
PLUGIN_IMPORTS_ALLOWED: set[tuple[str, str]] = set()

# Sets of modules of one capability that import each other in a circle (none left: the orders
# loop is broken, see docs/architecture.md "Borders").
MODULE_CYCLES_ALLOWED: set[frozenset[str]] = set()


# ---------------------------------------------------------------------------------------------
# Reading the imports


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def all_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if ".venv" not in path.parts:
                found[module_name(path)] = path
    return found


def imported_names(source: str, module: str, is_package: bool = False) -> list[str]:
    """Every module name an import statement of `source` names, wherever it stands.

    `from a.b import c` names `a.b.c` when that is a module and `a.b` otherwise."""
    known = all_modules()
    package = module if is_package else module.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                candidate = f"{origin}.{alias.name}"
                names.append(candidate if candidate in known else origin)
    return names


@cache
def raw_imports() -> dict[str, tuple[str, ...]]:
    """module -> every name its import statements give, as written (resolved if relative)."""
    return {
        module: tuple(imported_names(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"))
        for module, path in all_modules().items()
    }


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """module -> the first-party modules it imports (a package stands for its `__init__`)."""
    known = all_modules()
    graph: dict[str, frozenset[str]] = {}
    for module, names in raw_imports().items():
        targets: set[str] = set()
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = frozenset(targets)
    return graph


def capability(module: str) -> str | None:
    """`core.<x>` for the modules of a capability package under core/, `tenants` for tenants/,
    None for the shared mechanisms (core/*.py), the portal and the plugins."""
    parts = module.split(".")
    if parts[0] == "tenants":
        return "tenants"
    if parts[0] == "core" and len(parts) > 1 and (ROOT / "core" / parts[1] / "__init__.py").exists():
        return f"core.{parts[1]}"
    return None


def is_models(module: str) -> bool:
    return module.endswith(".models") and capability(module) is not None


# ---------------------------------------------------------------------------------------------
# The rules


def model_imports(graph: dict[str, frozenset[str]]) -> set[tuple[str, str]]:
    return {
        (module, target)
        for module, targets in graph.items()
        if capability(module) is not None
        for target in targets
        if is_models(target) and capability(target) != capability(module)
    }


def web_model_imports(graph: dict[str, frozenset[str]]) -> set[tuple[str, str]]:
    return {
        (module, target)
        for module, targets in graph.items()
        if module.split(".")[0] == "web"
        for target in targets
        if is_models(target)
    }


def plugin_imports(raw: dict[str, tuple[str, ...]]) -> set[tuple[str, str]]:
    found = set()
    for module, names in raw.items():
        if module.split(".")[0] != "plugins":
            continue
        for name in names:
            if name.split(".")[0] not in FIRST_PARTY or name.split(".")[0] == "plugins":
                continue
            if not any(name == allowed or name.startswith(allowed + ".") for allowed in PLUGIN_MAY_IMPORT):
                found.add((module, name))
    return found


def cycles(edges: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one node (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(frozenset(component))
    return found


def capability_edges(graph: dict[str, frozenset[str]]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        source = capability(module)
        for target in targets:
            if source and capability(target) and capability(target) != source:
                edges[source].add(capability(target))
    return edges


def module_edges_within_capabilities(graph: dict[str, frozenset[str]]) -> dict[str, set[str]]:
    """Imports between modules of the same capability. A module importing its own package's
    `__init__` (to reach a sibling through it) is left out: the package imports the module."""
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        for target in targets:
            if capability(module) and capability(module) == capability(target) and not module.startswith(target + "."):
                edges[module].add(target)
    return edges


def check(found: set, allowed: set, what: str) -> None:
    new = sorted(found - allowed, key=str)
    gone = sorted(allowed - found, key=str)
    problems = []
    if new:
        problems.append(f"new {what} (read through the other side's service instead):\n  " + "\n  ".join(map(str, new)))
    if gone:
        problems.append(f"listed {what} no longer found; delete them from the list:\n  " + "\n  ".join(map(str, gone)))
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# Tests


def test_no_capability_imports_another_capabilitys_models():
    check(model_imports(import_graph()), MODEL_IMPORTS_ALLOWED, "imports of another capability's models")


def test_the_portal_imports_no_models():
    check(web_model_imports(import_graph()), WEB_MODEL_IMPORTS_ALLOWED, "imports of models in web/")


def test_plugins_import_only_the_plugin_kit():
    check(plugin_imports(raw_imports()), PLUGIN_IMPORTS_ALLOWED, "plugin imports beyond the kit")


def test_no_import_cycle_between_capabilities():
    check(cycles(capability_edges(import_graph())), set(), "import cycles between capabilities")


def test_no_import_cycle_inside_a_capability():
    check(cycles(module_edges_within_capabilities(import_graph())), MODULE_CYCLES_ALLOWED, "import cycles")


def test_the_checks_see_what_they_look_for():
    """The rules above pass only if the reader finds imports: prove it finds each kind."""
    names = imported_names(
        "def late():\n    from core.inventory import models\n    from ..models import Order\n",
        "core.orders.service.intake",
    )
    assert names == ["core.inventory.models", "core.orders.models"]
    graph = {
        "core.orders.service.a": frozenset({"core.inventory.models", "core.orders.models"}),
        "web.orders.views": frozenset({"core.orders.models"}),
    }
    assert model_imports(graph) == {("core.orders.service.a", "core.inventory.models")}
    assert web_model_imports(graph) == {("web.orders.views", "core.orders.models")}
    raw = {"plugins.channels.x.plugin": ["core.ports", "core.testing.emulator", "core.db", "httpx", "plugins.y"]}
    assert plugin_imports(raw) == {("plugins.channels.x.plugin", "core.db")}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {frozenset({"a", "b", "c"})}
    assert cycles({"a": {"b"}, "b": set()}) == set()
    assert len(all_modules()) > 200  # the whole tree was read
