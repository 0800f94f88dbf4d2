"""The staff cockpit page: signed-in people see what waits for them across their brands, most
urgent first, with the counts the API gives; nobody sees another brand's rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.models import Membership
from tenants.roles import Role
from tests.conftest import client_for
from tests.tenants.test_attention import open_reply

pytestmark = pytest.mark.django_db
PAGE = "/cockpit/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_strangers_are_sent_to_sign_in(world) -> None:
    response = Client().get(PAGE + "?kind=crisis")
    assert response.status_code == 302
    assert response["Location"] == "/approve/sign-in/?next=/cockpit/%3Fkind%3Dcrisis"


def test_a_lead_sees_their_brands_rows_most_urgent_first_and_the_apis_counts(world) -> None:
    fresh = open_reply(world.a)
    late = open_reply(world.a, minutes_ago=50)
    other = open_reply(world.b)
    lead = world.a.person(Role.ACCOUNT_LEAD)
    response = signed_in(lead).get(PAGE)
    assert response.status_code == 200
    assert len(response.content) < 150_000
    html = response.content.decode()
    assert "<script" not in html
    api = client_for(lead).get("/api/v1/attention/").json()
    assert f'data-total="{api["counts"]["total"]}" data-overdue="1"' in html
    assert html.index(f'data-id="{api["results"][0]["id"]}"') < html.index(
        f'data-id="{api["results"][1]["id"]}"'
    )
    assert f"/alpine-coffee/approve/steps/{late.pk}/" in html
    assert f"/alpine-coffee/approve/steps/{fresh.pk}/" in html
    assert "overdue by 20 min" in html
    assert f"/bayside-bikes/approve/steps/{other.pk}/" not in html
    assert "Bayside Bikes" not in html


def test_filters_are_links_and_a_bad_one_is_a_400(world) -> None:
    open_reply(world.a)
    client = signed_in(world.admin)
    only_b = client.get(PAGE, {"brand": "bayside-bikes"}).content.decode()
    assert 'data-brand="alpine-coffee"' not in only_b
    assert client.get(PAGE, {"colour": "red"}).status_code == 400
    assert client.get(PAGE, {"kind": "tuesday"}).status_code == 400
    assert (
        signed_in(world.a.person(Role.ACCOUNT_LEAD))
        .get(PAGE, {"brand": "bayside-bikes"})
        .status_code
        == 400
    )


def test_the_phone_views_brand_picker_puts_the_brand_with_overdue_work_first(world) -> None:
    open_reply(world.a)
    open_reply(world.a)
    open_reply(world.b, minutes_ago=45)
    html = signed_in(world.admin).get("/approve/").content.decode()
    assert 'data-brand="bayside-bikes" data-waiting="1" data-overdue="1"' in html
    assert 'data-brand="alpine-coffee" data-waiting="2" data-overdue="0"' in html
    assert html.index('data-brand="bayside-bikes"') < html.index('data-brand="alpine-coffee"')


def _job(brand_world, person, **fields):  # type: ignore[no-untyped-def]
    from content.models import GenerationJob

    with tenant_context(brand_world.brand):
        return GenerationJob.objects.create(kind="post", variants=2, created_by=person, **fields)


def test_working_now_shows_what_the_person_started_with_its_real_state(world) -> None:
    """Issue 22: staff pages say "working…" with the job's real state instead of nothing."""
    from assets.models import Asset

    writer = world.a.person(Role.COPYWRITER)
    Membership.objects.create(user=writer, brand=world.b.brand, role=Role.COPYWRITER)
    queued = _job(world.a, writer)
    writing = _job(world.b, writer, status="running", step="writing", started_at=timezone.now())
    retrying = _job(world.a, writer, attempts=1, failure_reason="The model timed out.")
    done = _job(world.a, writer, status="succeeded")
    someone_elses = _job(world.a, world.a.person(Role.STRATEGIST))
    with tenant_context(world.a.brand):
        image = Asset.objects.create(
            name="<img src=x onerror=alert(1)>.png",
            content_type="image/png",
            size_bytes=10,
            width=1,
            height=1,
            original="x.png",
            created_by=writer,
        )
    html = signed_in(writer).get(PAGE).content.decode()
    panel = html[html.index('id="working"') : html.index('id="list-heading"')]
    assert f'data-kind="ai_job" data-id="{queued.pk}" data-brand="alpine-coffee"' in panel
    assert "Working… Waiting for a worker (step 0 of 3)" in panel
    assert f'data-id="{writing.pk}" data-brand="bayside-bikes"' in panel
    assert "Working… Writing 2 variants and checking them (step 2 of 3) · Bayside Bikes" in panel
    assert "Waiting to retry (attempt 2 of" in panel and "The model timed out." in panel
    assert f'data-id="{retrying.pk}" data-brand="alpine-coffee"' in panel
    assert f'data-kind="ai_job" data-id="{done.pk}" data-brand="alpine-coffee"' not in panel
    assert (
        f'data-kind="ai_job" data-id="{someone_elses.pk}" data-brand="alpine-coffee"' not in panel
    )
    assert f'data-kind="asset" data-id="{image.pk}"' in panel
    assert "Making the thumbnail and the phone rendition" in panel
    assert "<img src=x" not in panel  # a hostile file name is text
    assert f"/brands/alpine-coffee/api/v1/jobs/{queued.pk}/" in panel
    # Narrowed to one brand, the other brand's work is not listed.
    only_a = signed_in(writer).get(PAGE, {"brand": "alpine-coffee"}).content.decode()
    assert 'data-brand="bayside-bikes"' not in only_a
    # Once finished, it leaves the panel.
    with tenant_context(world.a.brand):
        type(queued).objects.filter(pk=queued.pk).update(status="succeeded")
    after = signed_in(writer).get(PAGE, {"brand": "alpine-coffee"}).content.decode()
    assert f'data-kind="ai_job" data-id="{queued.pk}" data-brand="alpine-coffee"' not in after


def test_working_now_never_shows_another_brands_work(world) -> None:
    """A person in brand A only: B's jobs, even ones carrying their user id, stay unseen."""
    writer = world.a.person(Role.COPYWRITER)
    in_b = _job(world.b, writer)
    html = signed_in(writer).get(PAGE).content.decode()
    assert f'data-id="{in_b.pk}" data-brand="bayside-bikes"' not in html
    assert 'id="working"' not in html
    assert "Bayside Bikes" not in html


def test_working_now_reads_every_brand_in_one_statement(world) -> None:
    writer = world.a.person(Role.COPYWRITER)
    Membership.objects.create(user=writer, brand=world.b.brand, role=Role.COPYWRITER)
    client = signed_in(writer)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    _job(world.a, writer)
    _job(world.b, writer)
    with CaptureQueriesContext(connection) as with_work:
        html = client.get(PAGE).content.decode()
    assert html.count('class="work"') == 2
    assert len(with_work) == len(few)


def test_a_brand_whose_schema_is_behind_does_not_take_the_cockpit_down(world) -> None:
    writer = world.a.person(Role.COPYWRITER)
    Membership.objects.create(user=writer, brand=world.b.brand, role=Role.COPYWRITER)
    _job(world.a, writer)
    with connection.cursor() as cursor:  # as if b's last migration had failed
        cursor.execute(f'DROP TABLE "{world.b.brand.schema_name}".assets_asset CASCADE')
    open_reply(world.a)
    response = signed_in(writer).get(PAGE)
    assert response.status_code == 200
    assert 'id="attention"' in response.content.decode()
