"""An inbox item deleted while its reply job waits on the model: the job ends failed with
``inputs_gone`` (and the integrator hears ``draft.failed``), never stuck in "running".

The deletion has to commit from another connection while the job runs, so this test works on
committed data in a brand of its own, dropped afterwards.
"""

from __future__ import annotations

import dataclasses
import threading

from django.db import connection
from django_tenants.utils import schema_context

from content import announcements, services
from content.models import Draft, GenerationJob, InboxItem
from content.services import jobs
from tests.conftest import announced
from tests.content.fake_ai import drafts

REPLY = "Thanks for telling us, we're on it. DM us your order number."


def _delete_item(schema: str, item_id: int) -> None:
    try:
        with schema_context(schema):
            services.delete_inbox_item(item=InboxItem.objects.get(pk=item_id))
    finally:
        connection.close()  # this thread's own connection


def test_reply_job_whose_inbox_item_is_deleted_meanwhile_fails_with_inputs_gone(
    fake_ai, own_brand, django_db_blocker
) -> None:
    with django_db_blocker.unblock(), schema_context(own_brand.schema_name):
        services.create_channel(network="x", handle="ridgeroasters")
        services.create_voice_version(tone=["warm"], locale="en")
        item = services.ingest_inbox_item(author_handle="ana", text="My order never came.")
        job = jobs.request_replies(inbox_item=item)
        # The model takes a moment; the item is deleted (and committed) while it writes.
        fake_ai.script(dataclasses.replace(drafts(REPLY), delay=0.4))
        deleter = threading.Timer(0.1, _delete_item, args=(own_brand.schema_name, item.pk))
        deleter.start()
        jobs.run_job(job_id=job.pk)
        deleter.join()
        job = GenerationJob.objects.get(pk=job.pk)
        assert (job.status, job.failure_code) == ("failed", "inputs_gone")
        assert not Draft.objects.filter(job_id=job.pk).exists()
        assert [e["code"] for e in announced(announcements.DRAFT_FAILED)] == ["inputs_gone"]
