"""The attention cockpit across brands: who sees which rows, filters, counts, pagination, and
the rollup agreeing with each brand's own data after changes and after the reconciler."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from approvals import services as approvals
from approvals.models import ApprovalStep
from outbox.services import reconcile_brand
from tenants.attention.models import AttentionKind, AttentionRow
from tenants.models import Brand, Membership
from tenants.roles import Role
from tests.approvals.factories import DraftFactory
from tests.conftest import BrandWorld, World, client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/attention/"


def open_reply(brand_world: BrandWorld, *, minutes_ago: int = 0) -> ApprovalStep:
    """A medium-risk reply written by the copywriter, waiting for the brand's leads (level 1:
    one step, 30 minutes)."""
    now = timezone.now() - timedelta(minutes=minutes_ago)
    with tenant_context(brand_world.brand):
        approvals.apply_preset(level=1, actor_id=None, now=now)
        draft = DraftFactory(
            kind="reply", risk_score=50, created_by=brand_world.person(Role.COPYWRITER)
        )
        result = approvals.request_approval(
            subject_kind="reply",
            subject_id=draft.pk,
            risk_score=50,
            actor_id=None,
            summary=f"Reply in {brand_world.brand.name}",
            now=now,
        )
        return ApprovalStep.objects.get(request_id=result.request_id)


def waiting(user, **params) -> dict:
    response = client_for(user).get(URL, params)
    assert response.status_code == 200, response.json()
    return response.json()


def kinds_and_brands(body: dict) -> list[tuple[str, str]]:
    return [(row["kind"], row["brand"]) for row in body["results"]]


def test_a_lead_on_brand_a_sees_the_step_waiting_for_them_and_nothing_of_brand_b(
    world: World,
) -> None:
    step_a = open_reply(world.a)
    open_reply(world.b)
    body = waiting(world.a.person(Role.ACCOUNT_LEAD))
    assert kinds_and_brands(body) == [("approval_step", "alpine-coffee")]
    row = body["results"][0]
    assert row["source_id"] == step_a.pk
    assert row["title"] == "Reply in Alpine Coffee"
    assert row["link"] == f"/brands/alpine-coffee/approve/steps/{step_a.pk}/"
    assert row["overdue"] is False
    assert body["counts"]["brands"] == [
        {
            "brand": "alpine-coffee",
            "name": "Alpine Coffee",
            "total": 1,
            "overdue": 0,
            "kinds": {"approval_step": 1},
        }
    ]


def test_the_agency_admin_on_both_brands_sees_both_overdue_first(world: World) -> None:
    open_reply(world.a)
    late = open_reply(world.b, minutes_ago=45)  # its 30 minutes ran out 15 minutes ago
    body = waiting(world.admin)
    assert kinds_and_brands(body) == [
        ("approval_step", "bayside-bikes"),
        ("approval_step", "alpine-coffee"),
    ]
    assert body["results"][0]["source_id"] == late.pk
    assert body["results"][0]["overdue"] is True
    assert body["results"][0]["age_seconds"] >= 45 * 60
    assert body["counts"]["total"] == 2 and body["counts"]["overdue"] == 1
    assert [c["brand"] for c in body["counts"]["brands"]] == ["bayside-bikes", "alpine-coffee"]
    assert kinds_and_brands(waiting(world.admin, overdue="true")) == [
        ("approval_step", "bayside-bikes")
    ]
    assert kinds_and_brands(waiting(world.admin, brand="alpine-coffee", overdue="false")) == [
        ("approval_step", "alpine-coffee")
    ]


@pytest.mark.parametrize(
    "role", [Role.COPYWRITER, Role.CLIENT_VIEWER, Role.ANALYST, Role.MEDIA_SPECIALIST]
)
def test_people_whose_role_may_not_decide_see_no_steps(world: World, role: str) -> None:
    open_reply(world.a)
    assert waiting(world.a.person(role))["results"] == []


def test_the_author_of_the_work_never_sees_it_waiting_for_them(world: World) -> None:
    step = open_reply(world.a)
    lead = world.a.person(Role.ACCOUNT_LEAD)
    with tenant_context(world.a.brand):
        draft = DraftFactory(kind="reply", risk_score=50, created_by=lead)
        approvals.request_approval(
            subject_kind="reply", subject_id=draft.pk, risk_score=50, actor_id=None
        )
    assert [r["source_id"] for r in waiting(lead)["results"]] == [step.pk]
    assert len(waiting(world.admin)["results"]) == 2


def test_deciding_a_step_removes_it_in_the_same_transaction(world: World) -> None:
    step = open_reply(world.a)
    lead = world.a.person(Role.ACCOUNT_LEAD)
    with tenant_context(world.a.brand):
        approvals.decide_step(step_id=step.pk, actor=lead, decision="approve")
    assert waiting(lead)["results"] == []
    assert waiting(world.admin)["results"] == []
    assert not AttentionRow.objects.filter(brand=world.a.brand).exists()


def test_a_crisis_shows_to_everyone_on_the_brand_and_goes_at_stand_down(world: World) -> None:
    with tenant_context(world.a.brand):
        incident = approvals.open_incident(
            summary="Recall of a roast", severity=5, owner_id=None, actor_id=None
        )
    viewer = world.a.person(Role.CLIENT_VIEWER)
    body = waiting(viewer)
    assert kinds_and_brands(body) == [("crisis", "alpine-coffee")]
    assert body["results"][0]["title"] == "In crisis: Recall of a roast"
    assert waiting(world.b.person(Role.CLIENT_VIEWER))["results"] == []
    with tenant_context(world.a.brand):
        approvals.update_incident(
            incident_id=incident.pk, actor_id=None, close=True, note="All clear"
        )
    assert waiting(viewer)["results"] == []


def test_the_reconciler_rebuilds_rows_lost_or_left_behind(world: World) -> None:
    step = open_reply(world.a)
    AttentionRow.objects.filter(brand=world.a.brand).delete()
    AttentionRow.objects.create(
        brand=world.a.brand,
        kind=AttentionKind.BOOST_PAUSED,
        source_id=999,
        title="A boost that no longer exists",
        link="/",
        since=timezone.now(),
        urgent_at=timezone.now(),
        roles=[Role.ACCOUNT_LEAD],
    )
    with tenant_context(world.a.brand):
        assert reconcile_brand() >= 2
    rows = AttentionRow.objects.filter(brand=world.a.brand)
    assert [(r.kind, r.source_id) for r in rows] == [("approval_step", step.pk)]
    with tenant_context(world.a.brand):
        reconcile_brand()
    assert AttentionRow.objects.get(brand=world.a.brand).updated_at == rows[0].updated_at


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"overdu": "true"}, "overdu"),
        ({"kind": "tuesday"}, "kind"),
        ({"overdue": "maybe"}, "overdue"),
        ({"brand": "bayside-bikes"}, "brand"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(world: World, params, field) -> None:
    response = client_for(world.a.person(Role.ACCOUNT_LEAD)).get(URL, params)
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [field]


def test_pages_follow_each_other_without_repeats(world: World) -> None:
    steps = [open_reply(world.a, minutes_ago=m) for m in (5, 4, 3)]
    client = client_for(world.a.person(Role.ACCOUNT_LEAD))
    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    seen = [r["source_id"] for r in first["results"] + second["results"]]
    assert seen == [s.pk for s in steps]
    assert second["next"] is None
    assert first["counts"]["total"] == 3


def _paper_brand(world: World, n: int, user) -> None:
    """A brand with a membership and an attention row but no schema: enough for the cockpit,
    which reads only the public schema."""
    now = timezone.now()
    brand = Brand.objects.create(
        agency=world.agency, name=f"Paper {n}", slug=f"paper-{n}", schema_name=f"paper_{n}"
    )
    Membership.objects.create(brand=brand, user=user, role=Role.ACCOUNT_LEAD)
    AttentionRow.objects.create(
        brand=brand,
        kind=AttentionKind.KPI_OFF_TRACK,
        source_id=1,
        title="Reach off track",
        link="/",
        since=now,
        urgent_at=now,
        roles=[Role.ACCOUNT_LEAD],
    )


def test_the_cost_does_not_grow_with_the_number_of_brands(
    world: World, django_assert_max_num_queries
) -> None:
    lead = world.a.person(Role.ACCOUNT_LEAD)
    client = client_for(lead)
    for n in range(2):
        _paper_brand(world, n, lead)
    with django_assert_max_num_queries(8) as few:
        assert len(client.get(URL).json()["results"]) == 2
    for n in range(2, 40):
        _paper_brand(world, n, lead)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(URL, {"page_size": 200}).json()
    assert len(body["results"]) == 40
    assert len(body["counts"]["brands"]) == 40
