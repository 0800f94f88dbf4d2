"""Cursor pagination: stable pages over lists that change while an integrator pages through.

DRF's CursorPagination keeps only the sort field's value in the cursor and steps over equal
values with an offset, which needs a fully determined order and a non-null value: sorting by a
field whose values repeat (``?ordering=risk_score``) or may be empty (``?ordering=deadline``)
returned some rows twice and others never, and a cursor at an empty value crashed. Here the
cursor holds the sort value *and* the primary key of the row it stands on, the order is
``(field, pk)`` with empty values last, and each page starts strictly after that pair (a
keyset), so every row comes exactly once, in both directions, however many values repeat.

A sort field that cannot be empty (``created_at``, the default) gets the plain order
``field, pk`` and the row comparison ``(field, pk) < (value, pk)``: PostgreSQL reads that page
straight from a ``(field, pk)`` index. Spelling out ``NULLS LAST`` and ``OR field IS NULL``
for such a field changes no result but made PostgreSQL sort every row of the table for each
page (10,000 drafts: 61.8 ms for the first page against 1.9 ms).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import BooleanField, Expression, F, Func, Model, Q, QuerySet, Value
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class KeysetCursorPagination(CursorPagination):
    """Pages in ``(sort field, pk)`` order; the sort field comes from ``?ordering=`` (its first
    field) or ``ordering``. Empty values sort last going forward."""

    ordering = "-created_at"
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self._field, self._descending = self.ordering[0].lstrip("-"), self.ordering[0][0] == "-"
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        position = self._decode_position(queryset.model, self.cursor)
        self._nullable = _nullable(queryset.model, self._field)

        queryset = queryset.order_by(*self._order_by(reverse))
        if position is not None:
            queryset = queryset.filter(self._after(position, reverse))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()
        self.has_next = more if not reverse else True
        self.has_previous = (position is not None) if not reverse else more
        self._cursor_position = position
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        position = self._position_of(self.page[-1]) if self.page else self._cursor_position
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=_dump(position)))

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        position = self._position_of(self.page[0]) if self.page else self._cursor_position
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=_dump(position)))

    # --- the keyset ---------------------------------------------------------------------------

    def _order_by(self, reverse: bool) -> list[Any]:
        """Forward: the field in its direction with empty values last, then pk the same way.
        Reverse walks the same sequence backwards (so empty values come first)."""
        descending = self._descending != reverse
        value, pk = F(self._field), F("pk")
        if not self._nullable:
            # No NULLS clause: the order then matches a (field, pk) index in either direction.
            return [value.desc(), pk.desc()] if descending else [value.asc(), pk.asc()]
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        if descending:
            return [value.desc(**nulls), pk.desc()]
        return [value.asc(**nulls), pk.asc()]

    def _after(self, position: tuple[Any, Any], reverse: bool) -> Q | Expression:
        """Rows strictly after ``position`` in the order ``_order_by(reverse)`` gives."""
        value, pk = position
        step = "lt" if self._descending != reverse else "gt"
        field = self._field
        if not self._nullable and value is not None:
            return _RowCompare(field, value, pk, "<" if step == "lt" else ">")
        if value is None:
            # Empty values are last going forward (first going back).
            after = Q(**{f"{field}__isnull": True, f"pk__{step}": pk})
            return after | Q(**{f"{field}__isnull": False}) if reverse else after
        after = Q(**{f"{field}__{step}": value}) | Q(**{field: value, f"pk__{step}": pk})
        return after if reverse else after | Q(**{f"{field}__isnull": True})

    def _position_of(self, row: Model | dict[str, Any]) -> tuple[Any, Any]:
        if isinstance(row, dict):
            return row[self._field], row["pk"]
        return getattr(row, self._field), row.pk

    def _decode_position(self, model: type[Model], cursor: Cursor | None) -> tuple[Any, Any]:
        if cursor is None or cursor.position is None:
            return None
        try:
            value, pk = json.loads(cursor.position)
            field = model._meta.get_field(self._field)
            return (
                None if value is None else field.to_python(value),
                model._meta.pk.to_python(pk),
            )
        except (ValueError, TypeError, ValidationError, FieldDoesNotExist) as exc:
            raise NotFound(self.invalid_cursor_message) from exc


def _nullable(model: type[Model], name: str) -> bool:
    """Whether the sort field may be empty (taken as yes when it is not a plain column)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return True
    return bool(getattr(field, "null", True)) or not getattr(field, "concrete", False)


class _RowCompare(Func):
    """``(field, pk) < (value, pk value)`` (or ``>``): one row comparison, which PostgreSQL
    answers with a range scan of a ``(field, pk)`` index, where ``field < v OR (field = v AND
    pk < p)`` makes it read and sort the whole table."""

    output_field = BooleanField()

    def __init__(self, field: str, value: Any, pk: Any, operator: str) -> None:
        super().__init__(F(field), F("pk"), Value(value), Value(pk))
        self.operator = operator

    def as_sql(  # type: ignore[override]  # a fixed shape: no function or template to pass
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, sql_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(sql_params)
        field, pk, value, pk_value = parts
        return f"({field}, {pk}) {self.operator} ({value}, {pk_value})", params


def _dump(position: tuple[Any, Any] | None) -> str | None:
    if position is None:
        return None
    value, pk = position
    return json.dumps([None if value is None else _text(value), pk], default=str)


def _text(value: Any) -> str:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if isoformat else str(value)
