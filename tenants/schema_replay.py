"""The brand template schema's DDL, read from the catalog once per migration state and replayed.

django-tenants' ``clone_schema()`` walks the catalog object by object in PL/pgSQL through
``information_schema`` views for every brand it creates, so its cost grows with the number of
schemas in the database (bench/RESULTS.md: 0.56 s a brand at 1,000 brands, 7 s in a bad run).
Here the template's tables, identity columns, sequences, constraints, indexes, functions,
triggers and comments are read from ``pg_catalog`` once (a few queries, keyed by the template's
``django_migrations`` state, so a migration of the template makes a fresh read), and each new
brand replays that DDL in one statement batch, then copies the template's rows
(``INSERT ... SELECT``, only of tables that have any) and sequence positions.

Read in the caller's own session (not with pg_dump on another connection), so it sees a template
migrated inside the current transaction and needs no binary matching the server's version.

The template may hold only what is read here; anything else (views, aggregates, types, rules,
row security, partitioned or unlogged tables) makes ``read_template`` fail loudly rather than
give brands a schema that differs from a migrated one.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from django.db import connection, transaction

# Placeholder for the schema in the cached DDL; never a valid identifier, so never in real names.
_SCHEMA = "\x00schema\x00"
_SAFE_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class UnsupportedTemplateObject(RuntimeError):
    """The template holds a kind of object the replay does not reproduce."""


@dataclass(frozen=True)
class TemplateDDL:
    """The template's DDL with the schema left as a placeholder, and what to copy per brand."""

    ddl: str
    tables: tuple[str, ...]
    sequences: tuple[str, ...]

    def sql_for(self, *, schema: str, template: str) -> str:
        if not _SAFE_SCHEMA.fullmatch(schema):
            raise ValueError(f"Unsafe schema name {schema!r}")
        new, old = f'"{schema}"', f'"{template}"'
        parts = [f"CREATE SCHEMA {new}", self.ddl.replace(_SCHEMA, new)]
        # The template's rows (django_migrations, data migrations' rows) and sequence positions.
        parts += [
            f"INSERT INTO {new}.{table} OVERRIDING SYSTEM VALUE SELECT * FROM {old}.{table}"
            for table in self.tables
        ]
        parts += [
            f"SELECT pg_catalog.setval('{new}.{seq}', s.last_value, s.is_called) FROM {old}.{seq} s"
            for seq in self.sequences
        ]
        return ";\n".join(parts) + ";"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_UNSUPPORTED = [
    (
        "relations other than plain tables, indexes and sequences",
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %(ns)s"
        " AND (c.relkind NOT IN ('r', 'i', 'S') OR c.relpersistence <> 'p'"
        " OR c.relrowsecurity OR c.reltablespace <> 0"
        " OR (c.relkind <> 'i' AND c.reloptions IS NOT NULL))",
    ),
    (
        "aggregates or window functions",
        "SELECT p.proname FROM pg_proc p WHERE p.pronamespace = %(ns)s"
        " AND p.prokind NOT IN ('f', 'p')",
    ),
    (
        "types",
        "SELECT t.typname FROM pg_type t WHERE t.typnamespace = %(ns)s"
        " AND t.typrelid = 0 AND t.typelem = 0",
    ),
    (
        "rules",
        "SELECT r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class"
        " WHERE c.relnamespace = %(ns)s",
    ),
]

_COLUMNS = """
SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       CASE WHEN a.attcollation <> t.typcollation THEN
            (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(co.collname)
               FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace
              WHERE co.oid = a.attcollation) END,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attgenerated, a.attnotnull, a.attidentity,
       s.relname, q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  LEFT JOIN pg_depend dep ON a.attidentity <> '' AND dep.refobjid = c.oid
       AND dep.refobjsubid = a.attnum AND dep.classid = 'pg_class'::regclass
       AND dep.deptype = 'i'
  LEFT JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
  LEFT JOIN pg_sequence q ON q.seqrelid = s.oid
 WHERE c.relnamespace = %(ns)s AND c.relkind = 'r'
   AND (a.attidentity = '' OR s.oid IS NOT NULL)
 ORDER BY c.relname, a.attnum
"""

# Sequences that are not an identity column's (serial columns, or made by hand).
_SEQUENCES = """
SELECT s.relname, pg_catalog.format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement,
       q.seqmin, q.seqmax, q.seqcache, q.seqcycle, oc.relname, oa.attname
  FROM pg_class s JOIN pg_sequence q ON q.seqrelid = s.oid
  LEFT JOIN pg_depend dep ON dep.objid = s.oid AND dep.classid = 'pg_class'::regclass
       AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
  LEFT JOIN pg_class oc ON oc.oid = dep.refobjid
  LEFT JOIN pg_attribute oa ON oa.attrelid = dep.refobjid AND oa.attnum = dep.refobjsubid
 WHERE s.relnamespace = %(ns)s AND s.relkind = 'S' AND (dep.deptype IS NULL OR dep.deptype = 'a')
 ORDER BY s.relname
"""

# Foreign keys apart: they go in after every table exists; the rest inline in CREATE TABLE.
_CONSTRAINTS = """
SELECT c.relname, k.conname, pg_catalog.pg_get_constraintdef(k.oid), k.contype = 'f'
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
 WHERE c.relnamespace = %(ns)s
 ORDER BY c.relname, k.contype, k.conname
"""

_INDEXES = """
SELECT pg_catalog.pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE c.relnamespace = %(ns)s
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                   AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
 ORDER BY ic.relname
"""

_FUNCTIONS = """
SELECT pg_catalog.pg_get_functiondef(p.oid) FROM pg_proc p
 WHERE p.pronamespace = %(ns)s ORDER BY p.proname, p.oid
"""

_TRIGGERS = """
SELECT pg_catalog.pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = %(ns)s AND NOT t.tgisinternal ORDER BY c.relname, t.tgname
"""

_COMMENTS = """
SELECT c.relname, a.attname, ds.description
  FROM pg_description ds JOIN pg_class c ON c.oid = ds.objoid
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ds.objsubid
 WHERE ds.classoid = 'pg_class'::regclass AND c.relnamespace = %(ns)s AND c.relkind = 'r'
 ORDER BY c.relname, ds.objsubid
"""


def _sequence_options(start, increment, minimum, maximum, cache, cycle) -> str:  # type: ignore[no-untyped-def]
    return (
        f"START WITH {start} INCREMENT BY {increment} MINVALUE {minimum} MAXVALUE {maximum}"
        f" CACHE {cache}{' CYCLE' if cycle else ' NO CYCLE'}"
    )


def read_template(template: str) -> TemplateDDL:
    """Read the template schema's DDL from the catalog, in this session's own snapshot."""
    quoted = _ident(template)
    # Names from the template come out qualified with it (pg_get_* qualify what the search_path
    # does not show), and the qualifier becomes the placeholder. The path is restored after,
    # and rolled back with the savepoint if anything fails.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_catalog.current_setting('search_path')")
        previous = cursor.fetchone()[0]
        cursor.execute("SET search_path TO pg_catalog")
        cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [template])
        row = cursor.fetchone()
        if row is None:
            raise UnsupportedTemplateObject(f"The template schema {template!r} does not exist")
        ns = {"ns": row[0]}
        for what, query in _UNSUPPORTED:
            cursor.execute(query, ns)
            found = [r[0] for r in cursor.fetchall()]
            if found:
                raise UnsupportedTemplateObject(
                    f"The brand template holds {what} the schema replay does not reproduce:"
                    f" {', '.join(sorted(found)[:10])}"
                )
        cursor.execute(_COLUMNS, ns)
        columns = cursor.fetchall()
        cursor.execute(_SEQUENCES, ns)
        sequences = cursor.fetchall()
        cursor.execute(_CONSTRAINTS, ns)
        constraints = cursor.fetchall()
        cursor.execute(_INDEXES, ns)
        indexes = [r[0] for r in cursor.fetchall()]
        cursor.execute(_FUNCTIONS, ns)
        functions = [r[0] for r in cursor.fetchall()]
        cursor.execute(_TRIGGERS, ns)
        triggers = [r[0] for r in cursor.fetchall()]
        cursor.execute(_COMMENTS, ns)
        comments = cursor.fetchall()
        cursor.execute("SELECT pg_catalog.set_config('search_path', %s, false)", [previous])

    statements: list[str] = list(functions)
    seq_names: list[str] = []
    owned: list[str] = []
    for name, kind, start, inc, lo, hi, cache, cycle, table, column in sequences:
        seq_names.append(_ident(name))
        options = _sequence_options(start, inc, lo, hi, cache, cycle)
        statements.append(f"CREATE SEQUENCE {_SCHEMA}.{_ident(name)} AS {kind} {options}")
        if table is not None:
            owned.append(
                f"ALTER SEQUENCE {_SCHEMA}.{_ident(name)} OWNED BY"
                f" {_SCHEMA}.{_ident(table)}.{_ident(column)}"
            )
    tables: dict[str, list[str]] = {}
    for (
        table,
        column,
        kind,
        collation,
        default,
        generated,
        not_null,
        identity,
        seq,
        *seq_options,
    ) in columns:
        parts = [_ident(column), kind]
        if collation:
            parts.append(f"COLLATE {collation}")
        if generated == "s":
            parts.append(f"GENERATED ALWAYS AS ({default}) STORED")
        elif default is not None:
            parts.append(f"DEFAULT {default}")
        if not_null:
            parts.append("NOT NULL")
        if identity:
            seq_names.append(_ident(seq))
            parts.append(
                f"GENERATED {'ALWAYS' if identity == 'a' else 'BY DEFAULT'} AS IDENTITY"
                f" (SEQUENCE NAME {_SCHEMA}.{_ident(seq)} {_sequence_options(*seq_options)})"
            )
        tables.setdefault(table, []).append(" ".join(parts))
    foreign: dict[str, list[str]] = {}
    for table, name, definition, is_foreign in constraints:
        clause = f"CONSTRAINT {_ident(name)} {definition}"
        (foreign.setdefault(table, []) if is_foreign else tables[table]).append(clause)
    # One statement per table and one per table's foreign keys: each DDL statement costs
    # catalog work and invalidations, so fewer, larger ones replay faster.
    for table, definitions in tables.items():
        body = ",\n    ".join(definitions)
        statements.append(f"CREATE TABLE {_SCHEMA}.{_ident(table)} (\n    {body}\n)")
    statements += owned
    statements += [
        f"ALTER TABLE {_SCHEMA}.{_ident(table)} " + ", ".join(f"ADD {c}" for c in clauses)
        for table, clauses in foreign.items()
    ]
    statements += indexes
    statements += triggers
    for table, column, text in comments:
        target = f"{_SCHEMA}.{_ident(table)}" + (f".{_ident(column)}" if column else "")
        literal = "'" + text.replace("'", "''") + "'"
        statements.append(f"COMMENT ON {'COLUMN' if column else 'TABLE'} {target} IS {literal}")
    # Rows and sequence positions to copy: only where the template has any (data migrations'
    # rows, django_migrations), found once per migration state like the DDL.
    with connection.cursor() as cursor:
        names = [_ident(t) for t in tables]
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quoted}.{name})" for name in names
            ),
            names,
        )
        filled = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s FROM {quoted}.{seq} WHERE is_called" for seq in seq_names
            )
            or "SELECT NULL WHERE false",
            seq_names,
        )
        called = {row[0] for row in cursor.fetchall()}
    # Whatever the catalog functions qualified with the template becomes the placeholder.
    qualifier = re.compile(rf"(?<![\w\"]){re.escape(quoted)}\.|(?<![\w\"]){re.escape(template)}\.")
    ddl = qualifier.sub(_SCHEMA + ".", ";\n".join(statements))
    return TemplateDDL(
        ddl=ddl,
        tables=tuple(name for name in names if name in filled),
        sequences=tuple(seq for seq in seq_names if seq in called),
    )


_cache: dict[tuple[str, str, frozenset[tuple[str, str]]], TemplateDDL] = {}
_lock = threading.Lock()


def template_ddl(*, template: str, state: frozenset[tuple[str, str]]) -> TemplateDDL:
    """The template's DDL for its migration ``state``: read once per state and database."""
    key = (str(connection.settings_dict["NAME"]), template, state)
    with _lock:
        found = _cache.get(key)
    if found is None:
        found = read_template(template)
        with _lock:
            _cache[key] = found
    return found


def replay(*, schema: str, template: str, state: frozenset[tuple[str, str]]) -> None:
    """Create ``schema`` as a copy of the template (DDL, rows, sequence positions) at once."""
    sql = template_ddl(template=template, state=state).sql_for(schema=schema, template=template)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
