"""New brand schemas are replayed from the template's DDL (tenants.schema_replay): the result
must be the schema a full migrate makes, object for object, also when two brands are created at
once, and a template holding something the replay cannot copy must stop creation loudly."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from content import services as content_services
from content.models import Channel
from tenants import provisioning, schema_replay, services, spare_schemas
from tenants.errors import SlugTaken
from tenants.models import Brand

pytestmark = pytest.mark.django_db

# Everything a schema holds that the replay must reproduce, with the schema's own name replaced
# by "S" (catalog functions qualify names with it). Columns by their order among the live ones:
# a migrated table keeps the slots of dropped columns (attnum), a replayed one has none.
_SIGNATURE = {
    "columns": """
        SELECT c.relname, row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum), a.attname,
               format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
               a.attgenerated, a.attcollation,
               pg_get_expr(d.adbin, d.adrelid)
          FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
          LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
         WHERE c.relnamespace = %(ns)s::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
           AND c.relkind = 'r'""",
    "relations": """
        SELECT relname, relkind, relpersistence FROM pg_class
         WHERE relnamespace = %(ns)s::regnamespace""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable,
               k.condeferred, k.convalidated
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
         WHERE c.relnamespace = %(ns)s::regnamespace""",
    "indexes": """
        SELECT ic.relname, pg_get_indexdef(i.indexrelid)
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE ic.relnamespace = %(ns)s::regnamespace""",
    "sequences": """
        SELECT s.relname, q.seqtypid, q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache,
               q.seqcycle
          FROM pg_class s JOIN pg_sequence q ON q.seqrelid = s.oid
         WHERE s.relnamespace = %(ns)s::regnamespace""",
    "sequence owners": """
        SELECT s.relname, d.deptype, c.relname, a.attname
          FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
          JOIN pg_class c ON c.oid = d.refobjid
          LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE s.relnamespace = %(ns)s::regnamespace AND s.relkind = 'S'""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = %(ns)s::regnamespace AND NOT t.tgisinternal""",
    "functions": """
        SELECT proname, pg_get_functiondef(oid) FROM pg_proc
         WHERE pronamespace = %(ns)s::regnamespace""",
    "comments": """
        SELECT c.relname, d.objsubid, d.description
          FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
         WHERE d.classoid = 'pg_class'::regclass AND c.relnamespace = %(ns)s::regnamespace""",
}


def _check(definition: str) -> str:
    """A CHECK constraint's (or partial index's) condition without casts and brackets:
    PostgreSQL deparses a condition it re-parsed from its own text with the casts placed
    differently (``ARRAY[('a'::varchar)::text]`` against ``(ARRAY['a'::varchar])::text[]``),
    the same test of the same values."""
    return re.sub(r"[()\s]", "", re.sub(r"::[a-z ]+(\[\])?", "", definition))


def signature(schema: str) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with connection.cursor() as cursor:
        for kind, query in _SIGNATURE.items():
            cursor.execute(query, {"ns": f'"{schema}"'})
            rows = [
                tuple(v.replace(schema, "S") if isinstance(v, str) else v for v in row)
                for row in cursor.fetchall()
            ]
            if kind == "constraints":
                rows = [r[:3] + ((_check(r[3]) if r[2] == "c" else r[3]),) + r[4:] for r in rows]
            if kind == "indexes":  # a partial index's condition, likewise
                rows = [(name, re.sub(r" WHERE .*", lambda m: _check(m[0]), d)) for name, d in rows]
            out[kind] = sorted(rows, key=repr)
    return out


def rows(schema: str, table: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{schema}".{table} ORDER BY 1')
        return cursor.fetchall()


def drop_spares() -> None:
    """No spare schema ready (tenants.spare_schemas): a new brand's schema is replayed."""
    with connection.cursor() as cursor:
        for name, _tag in spare_schemas._spares(cursor):
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')


def test_a_replayed_brand_schema_is_the_schema_a_full_migrate_makes(world) -> None:
    # A template made right now by running every migration, and DDL read afresh from it.
    drop_spares()
    template = provisioning.template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{template}" CASCADE')
    provisioning.migrate_template_schema()
    schema_replay._cache.clear()

    brand = services.create_brand(agency=world.agency, name="Kelp Co", slug="kelp-co")

    migrated, replayed = signature(template), signature(brand.schema_name)
    assert len(migrated["relations"]) > 100 and migrated["triggers"] and migrated["functions"]
    differ = {k: [r for r in replayed[k] if r not in migrated[k]] for k in _SIGNATURE}
    missing = {k: [r for r in migrated[k] if r not in replayed[k]] for k in _SIGNATURE}
    assert not any(differ.values()) and not any(missing.values()), (differ, missing)
    assert replayed == migrated
    # Recorded as fully migrated, with the template's seeded rows, and usable at once: ids come
    # from the brand's own sequences, the state-machine triggers guard its drafts.
    assert rows(brand.schema_name, "django_migrations") == rows(template, "django_migrations")
    assert rows(brand.schema_name, "django_content_type") == rows(template, "django_content_type")
    with schema_context(brand.schema_name):
        first = content_services.create_channel(network="x", handle="kelp")
        assert Channel.objects.get().pk == first.pk
    assert rows(template, "content_channel") == []


def test_two_brands_created_at_once_both_get_a_complete_schema(world, django_db_blocker) -> None:
    template = provisioning.template_schema_name()
    outcomes: dict[str, Any] = {}
    start = threading.Barrier(4)

    def create(slug: str) -> None:
        try:
            start.wait(timeout=30)
            outcomes[slug] = services.create_brand(agency=world.agency, name=slug, slug=slug)
        except Exception as exc:  # reported through outcomes
            outcomes[slug] = exc
        finally:
            connection.close()

    # Two different brands, and the same new slug asked for twice at the same moment.
    slugs = ["twin-one", "twin-two", "twin-same", "twin-same"]
    with django_db_blocker.unblock():
        threads = [threading.Thread(target=create, args=(slug,)) for slug in slugs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        try:
            made = [b for b in outcomes.values() if isinstance(b, Brand)]
            assert sorted(b.slug for b in made) == ["twin-one", "twin-same", "twin-two"]
            expected = signature(template)
            for brand in made:
                assert signature(brand.schema_name) == expected, brand.slug
            assert Brand.objects.filter(slug="twin-same").count() == 1
        finally:
            for brand in Brand.objects.filter(slug__startswith="twin-"):
                services.delete_brand(brand=brand, confirm=brand.slug)
    losers = [v for v in outcomes.values() if not isinstance(v, Brand)]
    assert len(outcomes) == 3 or [type(v) for v in losers] == [SlugTaken]


def test_a_template_holding_what_the_replay_cannot_copy_stops_brand_creation(world) -> None:
    drop_spares()
    template = provisioning.template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE VIEW "{template}".channel_names AS SELECT 1 AS one')
    schema_replay._cache.clear()

    with pytest.raises(schema_replay.UnsupportedTemplateObject, match="channel_names"):
        services.create_brand(agency=world.agency, name="Lime Lab", slug="lime-lab")

    assert not Brand.objects.filter(slug="lime-lab").exists()
    assert not schema_exists("brand_lime_lab")
