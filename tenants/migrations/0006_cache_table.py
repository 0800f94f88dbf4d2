"""The table behind the default cache (API throttle counters) when no CACHE_URL is set.

Django's ``createcachetable`` skips it under the tenant router (the cache's pseudo app is in
neither app list), so the same DDL is applied here, in the public schema, where every web and
worker process finds it.
"""

from django.db import migrations

CREATE = """
CREATE TABLE IF NOT EXISTS "brandroom_cache" (
    "cache_key" varchar(255) NOT NULL PRIMARY KEY,
    "value" text NOT NULL,
    "expires" timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS "brandroom_cache_expires" ON "brandroom_cache" ("expires");
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0005_idempotencyrecord")]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql='DROP TABLE IF EXISTS "brandroom_cache";'),
    ]
