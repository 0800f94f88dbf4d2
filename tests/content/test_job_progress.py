"""The job resource says where a generation job is: waiting, reading the brand, writing (while
the model answers), done; an integrator polling it sees the real state, not just "running".

Read through the API from another connection while the model is answering, so the job works on
committed data in a brand of its own."""

from __future__ import annotations

import dataclasses
import threading
import time

from django.db import connection
from django_tenants.utils import schema_context

from content import services
from content.services import jobs
from tests.conftest import client_for
from tests.content.fake_ai import drafts


def test_job_resource_shows_each_step_while_the_job_runs(
    fake_ai, own_brand, world, django_db_blocker, settings
) -> None:
    url = lambda pk: f"/brands/{own_brand.slug}/api/v1/jobs/{pk}/"  # noqa: E731
    client = client_for(world.admin)
    seen: list[dict] = []

    def look(pk: int) -> None:
        """Poll the job like an integrator would until it is finished."""
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                body = client.get(url(pk)).json()
                seen.append(body)
                if body["status"] in ("succeeded", "failed"):
                    return
                time.sleep(0.05)
        finally:
            connection.close()

    with django_db_blocker.unblock(), schema_context(own_brand.schema_name):
        channel = services.create_channel(network="x", handle="ownbrand")
        services.create_voice_version(tone=["warm"], locale="en")
        brief = services.create_brief(title="Launch", key_message="Our new blend is here.")
        job = jobs.request_post_drafts(brief=brief, channel=channel, variants=2)

        waiting = client.get(url(job.pk)).json()
        assert waiting["status"] == "queued"
        assert waiting["progress"] == {"done": 0, "total": 3, "detail": "Waiting for a worker"}

        # The model takes a moment; the job is looked at (another connection) meanwhile.
        settings.AI_TIMEOUT_SECONDS = 10
        fake_ai.script(dataclasses.replace(drafts("First take.", "Second take."), delay=1.5))
        looker = threading.Thread(target=look, args=(job.pk,))
        looker.start()
        with schema_context(own_brand.schema_name):  # the request above went back to public
            jobs.run_job(job_id=job.pk)
        looker.join()

        done = client.get(url(job.pk)).json()

    writing = {"done": 2, "total": 3, "detail": "Writing 2 variants and checking them"}
    assert [b["progress"] for b in seen if b["status"] == "running"][-1] == writing
    assert done["status"] == "succeeded"
    assert done["progress"] == {"done": 3, "total": 3, "detail": "Done"}
