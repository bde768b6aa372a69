"""No import cycle between modules of ``insure``, ``products`` and ``claims``.

Packages talk upwards through domain events (``insure.events``), never by importing each other in a circle.
Imports inside functions count (they only hide a cycle); imports under ``if TYPE_CHECKING:`` do not (they never
run). The graph is grimp's, the cycles are its strongly connected groups of modules.
"""

from __future__ import annotations

import grimp

PACKAGES = ("insure", "products", "claims")


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's groups of modules reachable from each other (groups of one without a self-import left out)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:
        # iterative, so a long chain of imports cannot exceed the recursion limit
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
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph[node]:
                    groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def import_graph() -> tuple[grimp.ImportGraph, dict[str, set[str]]]:
    found = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    return found, {m: set(found.find_modules_directly_imported_by(m)) & found.modules for m in found.modules}


def describe(found: grimp.ImportGraph, group: list[str]) -> str:
    members = set(group)
    lines = [f"{len(group)} modules: {', '.join(group)}"]
    for importer in group:
        for imported in sorted(set(found.find_modules_directly_imported_by(importer)) & members):
            for detail in found.get_import_details(importer=importer, imported=imported):
                lines.append(f"  {importer}:{detail['line_number']} {detail['line_contents']}")
    return "\n".join(lines)


def test_the_finder_sees_a_cycle_and_leaves_a_chain_alone() -> None:
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert strongly_connected({"a": {"a"}}) == [["a"]]


def test_the_graph_counts_imports_inside_functions_but_not_type_checking_ones(tmp_path, monkeypatch) -> None:
    package = tmp_path / "cycles_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from cycles_probe import b\n"
        "def f():\n    from cycles_probe import c\n"
    )
    (package / "b.py").write_text("from cycles_probe import a\n")
    (package / "c.py").write_text("import cycles_probe.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = grimp.build_graph("cycles_probe", exclude_type_checking_imports=True, cache_dir=None)
    graph = {m: set(found.find_modules_directly_imported_by(m)) for m in found.modules}
    assert graph["cycles_probe.a"] == {"cycles_probe.c"}
    assert strongly_connected(graph) == [["cycles_probe.a", "cycles_probe.c"]]


def test_the_graph_covers_the_three_packages() -> None:
    _, graph = import_graph()
    assert {"insure.applications.services", "products.rating", "claims.services"} <= set(graph)


def test_no_import_cycle_between_modules() -> None:
    found, graph = import_graph()
    cycles = strongly_connected(graph)
    assert not cycles, "import cycles (break them with a domain event or a lower module):\n" + "\n".join(
        describe(found, group) for group in cycles
    )
