"""The API's JSON parser: DRF's, refusing what the rest of the stack cannot take.

- JSON nested deeper than ``MAX_DEPTH``: the standard library's decoder recurses once per level
  and raised ``RecursionError`` (a 500) from about 950 levels, on every endpoint; anything
  deeper than a few levels is abuse, not data.
- NUL characters (``\\u0000``) anywhere in a string or key: PostgreSQL stores neither text nor
  ``jsonb`` with them, so a field such as a boost's targeting reached the database and failed
  with a 500. Refused here with a 400 ``parse_error`` whose detail names the field, for every
  endpoint at once. A view whose serializer refuses NUL in every string it keeps says so with
  ``serializer_refuses_nul = True``: the body is then left to it, and its 400 is a validation
  error whose ``attr`` names the field and, in a batch, the item (``signals.3.text``).
- Lone surrogates (``"\\ud800"``): JSON's escape parses to a Python string that is not Unicode
  text, which neither psycopg nor ``jsonb`` can store (a 500 in the same fields). DRF's
  ``CharField`` refuses them, free-form JSON fields did not; refused here like NUL, with the same
  flag (a serializer that refuses NUL refuses these too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rest_framework import exceptions, parsers

MAX_DEPTH = 64
NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(value: str) -> bool:
    """Whether PostgreSQL can store ``value`` as text or in ``jsonb``: no NUL and no lone
    surrogate (ASCII, nearly every string of a body, is looked at once). Serializers that take
    the body's strings themselves (``serializer_refuses_nul``) check with it too."""
    return NUL not in value and (value.isascii() or _SURROGATE.search(value) is None)


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                f"JSON parse error - nested more than {MAX_DEPTH} levels deep."
            ) from None
        view = (parser_context or {}).get("view")
        check_json_value(data, nul=not getattr(view, "serializer_refuses_nul", False))
        return data


def check_json_value(data: Any, *, nul: bool = True) -> None:
    """Refuse parsed JSON that nests deeper than ``MAX_DEPTH`` or (unless ``nul`` is False)
    holds a NUL character.

    Walks with its own stack rather than recursion, so it cannot overflow either. The first
    walk keeps only depths (a body of 1,000 signals has ~15,000 values, and building each one's
    path cost more than the rest of the walk); only a refused body is walked again with paths,
    to name where the fault is."""
    if not _is_clean(data, nul=nul):
        _refuse_with_path(data, nul=nul)


def _is_clean(data: Any, *, nul: bool) -> bool:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(value, str):
            if nul and not storable_text(value):
                return False
        elif isinstance(value, dict):
            deeper = depth + 1
            for key, item in value.items():
                if nul and not storable_text(key):
                    return False
                stack.append((item, deeper))
        elif isinstance(value, list):
            deeper = depth + 1
            stack.extend((item, deeper) for item in value)
    return True


def _refuse_with_path(data: Any, *, nul: bool) -> None:
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise exceptions.ParseError(
                f"JSON parse error - nested more than {MAX_DEPTH} levels deep."
            )
        if isinstance(value, str):
            if nul and not storable_text(value):
                _refuse_nul(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                if nul and not storable_text(key):
                    _refuse_nul((*path, _SURROGATE.sub("", key.replace(NUL, ""))))
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, str(index))) for index, item in enumerate(value))


def _refuse_nul(path: tuple[str, ...]) -> None:
    # A parse error (the answer every operation documents for a body it cannot take), naming
    # where the character is: a validation error's attr would have to be a documented field.
    where = ".".join(path) or "the body"
    raise exceptions.ParseError(
        f"JSON parse error - null characters (\\u0000) and lone surrogates (\\ud800-\\udfff)"
        f" are not allowed (in {where})."
    )
