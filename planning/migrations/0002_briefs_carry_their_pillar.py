"""Briefs already started from a plan item get that item's pillar (later ones get it when the
item is started). Runs before results rebuilds its daily rollup with a pillar slice."""

from django.db import migrations

BACKFILL = """
    UPDATE content_brief b SET pillar_id = i.pillar_id
    FROM (
        SELECT brief_id, MIN(pillar_id) AS pillar_id FROM planning_planitem
        WHERE brief_id IS NOT NULL GROUP BY brief_id
    ) i
    WHERE i.brief_id = b.id AND b.pillar_id IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        ("content", "0011_brief_pillar"),
    ]
    run_before = [("results", "0004_result_day_pillar")]

    operations = [migrations.RunSQL(BACKFILL, migrations.RunSQL.noop)]
