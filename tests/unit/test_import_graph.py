"""No import cycles inside the package.

grimp reads every import statement, including the ones inside functions and
under ``if TYPE_CHECKING``, so a cycle cannot hide behind a lazy import. A
failure names each cycle with the file lines that close it.
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path

import grimp
import pytest

PACKAGE = "sio_monitor"


@cache
def package_graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, cache_dir=None)


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """The groups of two or more modules that import each other, directly or not (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, successors = work[-1]
            successor = next(successors, None)
            if successor is not None:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    imported = sorted(graph.find_modules_directly_imported_by(successor))
                    work.append((successor, iter(imported)))
                elif successor in on_stack:
                    low[module] = min(low[module], index[successor])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def one_cycle(graph: grimp.ImportGraph, group: list[str]) -> list[str]:
    """A shortest way round a group: its first module, what it imports, ..., back to it."""
    start = group[0]
    chains = [
        graph.find_shortest_chain(importer=successor, imported=start)
        for successor in sorted(graph.find_modules_directly_imported_by(start))
        if successor in group
    ]
    shortest = min((chain for chain in chains if chain), key=len)
    return [start, *shortest]


def describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    steps = []
    for importer, imported in pairwise(cycle):
        details = graph.get_import_details(importer=importer, imported=imported)
        where = ", ".join(f"line {d['line_number']}: {d['line_contents']}" for d in details)
        steps.append(f"  {importer} -> {imported} ({where})")
    return "\n".join(steps)


def cycles_report(graph: grimp.ImportGraph) -> str:
    groups = strongly_connected(graph)
    return "\n".join(
        f"Import cycle among {', '.join(group)}:\n{describe(graph, one_cycle(graph, group))}"
        for group in groups
    )


def test_the_package_has_no_import_cycle() -> None:
    report = cycles_report(package_graph())
    if report:
        pytest.fail(report, pytrace=False)


def test_a_cycle_through_a_lazy_import_is_named_with_its_lines() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b", line_number=3, line_contents="import b")
    graph.add_import(importer="pkg.b", imported="pkg.c", line_number=4, line_contents="import c")
    graph.add_import(importer="pkg.c", imported="pkg.a", line_number=9, line_contents="import a")
    graph.add_import(importer="pkg.d", imported="pkg.a", line_number=1, line_contents="import a")

    assert strongly_connected(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
    assert cycles_report(graph) == (
        "Import cycle among pkg.a, pkg.b, pkg.c:\n"
        "  pkg.a -> pkg.b (line 3: import b)\n"
        "  pkg.b -> pkg.c (line 4: import c)\n"
        "  pkg.c -> pkg.a (line 9: import a)"
    )


def test_an_import_inside_a_function_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "lazycycle"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "first.py").write_text("from lazycycle import second\n")
    (package / "second.py").write_text("def later():\n    from lazycycle import first\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    report = cycles_report(grimp.build_graph("lazycycle", cache_dir=None))

    assert "lazycycle.second -> lazycycle.first (line 2: from lazycycle import first)" in report
