"""The hourly signal rollup (``SignalHour``), kept by PostgreSQL statement triggers on the
signal table and backfilled from the signals already stored.

Statement-level triggers with transition tables see only the rows a statement actually wrote:
a batch insert's ``ON CONFLICT DO NOTHING`` skips (idempotent re-sends) never reach the rollup,
and every writer (the batch endpoint, inbox signals, the admin, a bulk load) keeps it in the
same transaction, set-wise: one grouped ``INSERT ... ON CONFLICT DO UPDATE`` per statement, its
rows taken in key order so concurrent batches lock rollup rows in the same order (no deadlock).
Updates move the changed signals from their old group to the new one (an audience deleted sets
its signals' audience to null); deletes subtract; a group whose count reaches 0 is removed.
The SQL is written out here: a migration must not change when the model does."""

from django.db import migrations, models

COLUMNS = (
    "hour, kind, source, topic, audience_id, signals, value_sum, sentiment_count, "
    "sentiment_sum, negative, positive"
)


def _apply(delta: str) -> str:
    """Add the signed rows of ``delta`` (sign, observed_at, kind, source, topic, audience_id,
    value, sentiment) to their hours."""
    return f"""
    INSERT INTO listening_signalhour AS h ({COLUMNS})
    SELECT date_trunc('hour', d.observed_at, 'UTC'), d.kind, d.source, d.topic, d.audience_id,
        sum(d.sign),
        sum(d.sign * d.value),
        coalesce(sum(d.sign) FILTER (WHERE d.sentiment IS NOT NULL), 0),
        coalesce(sum(d.sign * d.sentiment), 0),
        coalesce(sum(d.sign) FILTER (WHERE d.sentiment < 0), 0),
        coalesce(sum(d.sign) FILTER (WHERE d.sentiment > 0), 0)
    FROM ({delta}) AS d
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (hour, kind, source, topic, audience_id) DO UPDATE SET
        signals = h.signals + EXCLUDED.signals,
        value_sum = h.value_sum + EXCLUDED.value_sum,
        sentiment_count = h.sentiment_count + EXCLUDED.sentiment_count,
        sentiment_sum = h.sentiment_sum + EXCLUDED.sentiment_sum,
        negative = h.negative + EXCLUDED.negative,
        positive = h.positive + EXCLUDED.positive;
    """


ROW = "observed_at, kind, source, topic, audience_id, value, sentiment"
PREFIXED = ", ".join(f"{{t}}.{c.strip()}" for c in ROW.split(","))
CHANGED = f"""
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE ({PREFIXED.format(t="o")}) IS DISTINCT FROM ({PREFIXED.format(t="n")})
"""
EMPTIED = """
    DELETE FROM listening_signalhour
    WHERE signals = 0 AND hour IN (SELECT date_trunc('hour', observed_at, 'UTC') FROM old_rows);
"""

FORWARD = f"""
CREATE FUNCTION listening_signal_hour_insert() RETURNS trigger AS $$
BEGIN
    {_apply(f"SELECT 1 AS sign, {ROW} FROM new_rows")}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION listening_signal_hour_update() RETURNS trigger AS $$
BEGIN
    {
    _apply(
        f"SELECT 1 AS sign, {PREFIXED.format(t='n')} {CHANGED} "
        f"UNION ALL SELECT -1, {PREFIXED.format(t='o')} {CHANGED}"
    )
}
    {EMPTIED}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION listening_signal_hour_delete() RETURNS trigger AS $$
BEGIN
    {_apply(f"SELECT -1 AS sign, {ROW} FROM old_rows")}
    {EMPTIED}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION listening_signal_hour_truncate() RETURNS trigger AS $$
BEGIN
    TRUNCATE listening_signalhour;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER listening_signal_hour_insert AFTER INSERT ON listening_signal
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listening_signal_hour_insert();
CREATE TRIGGER listening_signal_hour_update AFTER UPDATE ON listening_signal
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listening_signal_hour_update();
CREATE TRIGGER listening_signal_hour_delete AFTER DELETE ON listening_signal
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listening_signal_hour_delete();
CREATE TRIGGER listening_signal_hour_truncate AFTER TRUNCATE ON listening_signal
    FOR EACH STATEMENT EXECUTE FUNCTION listening_signal_hour_truncate();
"""

# The triggers first: creating them locks the signal table against writes until this
# migration commits, so the backfill below reads every signal stored before and none can slip
# in between the two.
BACKFILL = _apply(f"SELECT 1 AS sign, {ROW} FROM listening_signal")

REVERSE = """
DROP TRIGGER IF EXISTS listening_signal_hour_insert ON listening_signal;
DROP TRIGGER IF EXISTS listening_signal_hour_update ON listening_signal;
DROP TRIGGER IF EXISTS listening_signal_hour_delete ON listening_signal;
DROP TRIGGER IF EXISTS listening_signal_hour_truncate ON listening_signal;
DROP FUNCTION IF EXISTS listening_signal_hour_insert();
DROP FUNCTION IF EXISTS listening_signal_hour_update();
DROP FUNCTION IF EXISTS listening_signal_hour_delete();
DROP FUNCTION IF EXISTS listening_signal_hour_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0008_trigger_calendar_kpi_alerts"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignalHour",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("hour", models.DateTimeField()),
                ("kind", models.CharField(max_length=20)),
                ("source", models.CharField(max_length=100)),
                ("topic", models.CharField(blank=True, max_length=100)),
                ("audience_id", models.BigIntegerField(blank=True, null=True)),
                ("signals", models.IntegerField(default=0)),
                ("value_sum", models.FloatField(default=0)),
                ("sentiment_count", models.IntegerField(default=0)),
                ("sentiment_sum", models.FloatField(default=0)),
                ("negative", models.IntegerField(default=0)),
                ("positive", models.IntegerField(default=0)),
            ],
        ),
        # Apart from the model so it exists before the SQL below (a model's own constraints are
        # created at the end of the migration).
        migrations.AddConstraint(
            model_name="signalhour",
            constraint=models.UniqueConstraint(
                fields=("hour", "kind", "source", "topic", "audience_id"),
                name="unique_signal_hour",
                nulls_distinct=False,
            ),
        ),
        migrations.RunSQL(FORWARD, REVERSE),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
