"""House conventions (issue 12 §3, docs/architecture.md) checked on the source, so new code
keeps them: services and selectors take keyword-only arguments and name the acting person one
way, and selectors never write."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_PRODUCT = {".venv", ".data", "tests", "bench", "platform", "docs"}

# The person doing a service's action is ``actor`` (a User) or ``actor_id`` (an id; None for
# the system), with ``actor_role`` and ``actor_key_id`` (an API key acting) beside them.
# ``created_by`` / ``created_by_id`` / ``created_by_key_id`` stay: they fill the recorded author
# field of the row a service creates. Other people a service names are its subjects (``user``,
# ``user_id``, ``owner_id``, ``admin`` of a new agency) and keep their own names.
ACTING_PERSON_NAMES = re.compile(
    r"^(by|by_.+|.+_by|.+_by_id|.+_by_key_id|decider|decider_id|author|author_id|requester"
    r"|requester_id|acting_user|acting_user_id|initiator|initiator_id|editor|editor_id)$"
)
RECORDED_AUTHOR = {"created_by", "created_by_id", "created_by_key_id"}
# A brand table's integer column with one of these names holds a person's id.
PERSON_COLUMN = re.compile(r"^(user|owner|author|actor|decider|assignee|member|person|.+_by)_id$")

WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update", "save"}


def _modules(kind: str) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in NOT_PRODUCT or "migrations" in rel.parts:
            continue
        if path.stem == kind or kind in rel.parts[:-1]:
            yield rel.as_posix(), ast.parse(path.read_text(), filename=str(rel))


def _public_functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith(
            "_"
        ):
            yield node


def test_public_services_and_selectors_take_keyword_only_arguments() -> None:
    positional = []
    for kind in ("services", "selectors"):
        for rel, tree in _modules(kind):
            for function in _public_functions(tree):
                args = function.args
                names = [a.arg for a in args.posonlyargs + args.args]
                if args.vararg is not None:
                    names.append("*" + args.vararg.arg)
                if names:
                    where = f"{rel}:{function.lineno}"
                    positional.append(f"{where} {function.name}({', '.join(names)})")
    assert positional == [], "call these with keywords only (def f(*, ...)):\n" + "\n".join(
        positional
    )


def _names_the_acting_person(arg: ast.arg) -> bool:
    if arg.arg in RECORDED_AUTHOR or not ACTING_PERSON_NAMES.match(arg.arg):
        return False
    # ``by`` as a grouping (``breakdown(by="channel")``) is not a person.
    annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
    return not (arg.arg == "by" and "str" in annotation)


def test_services_and_selectors_name_the_acting_person_actor() -> None:
    odd = []
    for kind in ("services", "selectors"):
        for rel, tree in _modules(kind):
            for function in _public_functions(tree):
                args = function.args
                for arg in args.posonlyargs + args.args + args.kwonlyargs:
                    if _names_the_acting_person(arg):
                        odd.append(f"{rel}:{function.lineno} {function.name}({arg.arg})")
    assert odd == [], (
        "the person doing the action is `actor` (a User) or `actor_id` (docs/architecture.md,"
        " Conventions):\n" + "\n".join(odd)
    )


def test_the_acting_person_rule_tells_people_from_groupings() -> None:
    def arg(source: str) -> ast.arg:
        function = ast.parse(f"def f(*, {source}): ...").body[0]
        assert isinstance(function, ast.FunctionDef)
        return function.args.kwonlyargs[0]

    for odd in ("by: User", "decided_by_id: int", "decider: User", "set_by_id: int | None"):
        assert _names_the_acting_person(arg(odd)), odd
    for fine in (
        "actor: User",
        "actor_id: int | None",
        "created_by: User",
        "by: str",
        "user: User",
    ):
        assert not _names_the_acting_person(arg(fine)), fine


def test_selectors_never_write() -> None:
    writes = []
    for rel, tree in _modules("selectors"):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITES
            ):
                writes.append(f"{rel}:{node.lineno} .{node.func.attr}()")
    assert writes == [], "selectors read; move these writes to a service:\n" + "\n".join(writes)


def _lookups(condition: object) -> Iterator[tuple[str, object]]:
    from django.db.models import Q

    if isinstance(condition, Q):
        for child in condition.children:
            yield from _lookups(child)
    elif isinstance(condition, tuple) and len(condition) == 2 and isinstance(condition[0], str):
        yield condition[0], condition[1]


def test_database_constraints_agree_with_the_choices_they_guard() -> None:
    """A constraint that lists a field's values (``status__in=[...]``) names exactly the
    field's choices, and a condition on one value names a real one: adding a choice without the
    constraint, or a typo in either, fails here rather than in production."""
    from django.apps import apps
    from django.db import models
    from django.db.models import Q

    disagreements = []
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            condition = constraint.condition
            whole = isinstance(condition, Q) and len(condition.children) == 1
            for lookup, value in _lookups(condition):
                field_name, _, operator = lookup.partition("__")
                try:
                    field = model._meta.get_field(field_name)
                except Exception:
                    continue
                choices = {str(v) for v, _ in field.choices or []}
                if not choices or operator not in ("", "exact", "in"):
                    continue
                named = {str(v) for v in value} if operator == "in" else {str(value)}
                label = f"{model._meta.label}.{constraint.name}"
                allowed = choices | ({""} if field.blank else set())
                if not named <= allowed:
                    disagreements.append(f"{label}: {sorted(named - allowed)} not a choice")
                elif operator == "in" and whole and named != choices:
                    disagreements.append(f"{label}: misses {sorted(choices - named)}")
    assert disagreements == [], "\n".join(disagreements)


def test_brand_tables_name_people_only_through_person_reference() -> None:
    """A person lives in the public schema: a brand's table names one with
    ``tenants.people.person_reference`` (no cross-schema constraint, history kept when the
    person goes), never with a foreign key of its own making nor a bare integer id column."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import models

    from tenants.people import person_reference

    _, _, _, expected = person_reference().deconstruct()
    # Whether a row must have its person is the row's business (``required=True``).
    expected = {k: v for k, v in expected.items() if k not in ("null", "blank")}
    brand_apps = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    odd = []
    for model in apps.get_models():
        if model._meta.app_config.name not in brand_apps:
            continue
        for field in model._meta.local_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is get_user_model():
                _, _, _, options = field.deconstruct()
                if any(options.get(name) != value for name, value in expected.items()):
                    odd.append(f"{model._meta.label}.{field.name}")
            elif isinstance(field, models.IntegerField) and PERSON_COLUMN.match(field.name):
                # A bare id column such as ``decided_by_id = BigIntegerField()``.
                odd.append(f"{model._meta.label}.{field.name}")
    assert odd == [], "use tenants.people.person_reference() for: " + ", ".join(odd)
