"""Approvals' services are layers: no module imports one above it, and none hides an import
inside a function to get round a cycle."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import approvals.services

SERVICES = Path(approvals.services.__file__).parent
PACKAGE = "approvals.services"
# Lowest first; a module may import only from layers before its own.
LAYERS = [
    {"clock", "rules"},
    {"audit", "notify", "due_index", "attention", "sign_in"},
    {"policy", "rota"},
    {"chain"},
    {"intake", "eligibility"},
    {"decisions", "due"},
    {"crisis", "due_across_brands"},
    {"thresholds", "sweep", "digests"},
]
PURE = {"clock", "rules"}


def _modules() -> dict[str, ast.Module]:
    return {
        path.stem: ast.parse(path.read_text(), filename=str(path))
        for path in SERVICES.glob("*.py")
        if path.stem != "__init__"
    }


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return []


def _sibling_imports(tree: ast.Module) -> set[str]:
    names = {name for node in ast.walk(tree) for name in _imported(node)}
    return {
        name.removeprefix(f"{PACKAGE}.").split(".")[0]
        for name in names
        if name.startswith(f"{PACKAGE}.")
    }


def test_every_services_module_has_a_layer() -> None:
    assert set(_modules()) == set().union(*LAYERS)


def test_no_services_module_imports_inside_a_function() -> None:
    late = [
        f"{name}:{node.lineno}"
        for name, tree in _modules().items()
        for function in ast.walk(tree)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(function)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    assert late == []


def test_services_modules_import_only_lower_layers_and_form_no_cycle() -> None:
    layer_of = {name: index for index, layer in enumerate(LAYERS) for name in layer}
    graph = {name: _sibling_imports(tree) for name, tree in _modules().items()}
    upward = [
        f"{name} -> {other}"
        for name, others in graph.items()
        for other in others
        if layer_of[other] >= layer_of[name]
    ]
    assert upward == []
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the assertion above catches it first
        raise AssertionError(f"import cycle: {exc.args[1]}") from None


def test_the_clock_and_the_policy_rules_touch_no_database() -> None:
    for name in PURE:
        imported = {n for node in ast.walk(_modules()[name]) for n in _imported(node)}
        assert not any(
            n.startswith(("django.db", f"{PACKAGE}.audit", f"{PACKAGE}.notify")) for n in imported
        ), name
