"""The daily rollup gains a pillar slice (the plan pillar of the posts' brief), and is rebuilt
from the snapshots once so posts whose brief already names a pillar count for it. Days are
the brand's local days, as results.services.ingest.rebuild_days cuts them."""

from django.db import migrations, models

COUNTERS = (
    "impressions",
    "reach",
    "reactions",
    "comments",
    "shares",
    "saves",
    "link_clicks",
    "video_views",
)

REBUILD = f"""
    DELETE FROM results_resultday;
    INSERT INTO results_resultday
        (day, channel_id, audience_id, campaign, pillar_id, posts, {", ".join(COUNTERS)})
    SELECT s.day, d.channel_id, d.audience_id, COALESCE(b.campaign, ''), b.pillar_id, COUNT(*),
        {", ".join(f"SUM(s.{name})" for name in COUNTERS)}
    FROM (
        SELECT draft_id, (observed_at AT TIME ZONE z.tz)::date AS day,
            {", ".join(f"SUM(d_{name}) AS {name}" for name in COUNTERS)}
        FROM results_postsnapshot, (
            SELECT COALESCE(
                (SELECT timezone FROM public.tenants_brand WHERE schema_name = current_schema()),
                'UTC'
            ) AS tz
        ) z
        GROUP BY draft_id, day
    ) s
    JOIN content_draft d ON d.id = s.draft_id
    LEFT JOIN content_brief b ON b.id = d.brief_id
    GROUP BY s.day, d.channel_id, d.audience_id, COALESCE(b.campaign, ''), b.pillar_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0003_reply_deadline_moves_to_content"),
        ("content", "0011_brief_pillar"),
    ]

    operations = [
        migrations.AddField(
            model_name="resultday",
            name="pillar_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunSQL(REBUILD, migrations.RunSQL.noop),
    ]
