"""The product-wide audit trail: every kind of change leaves an entry naming who did it, the
database refuses to alter entries, only leads read it, and the CSV export is safe to open."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from tenants import services
from tenants.audit.models import AuditEntry
from tenants.models import ApiKey, Brand, Membership
from tenants.roles import LEADS, Role, Scope, role_may
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def trail_url(brand: Brand, suffix: str = "") -> str:
    return f"/brands/{brand.slug}/api/v1/audit/{suffix}"


def entries(brand: Brand, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(brand_id=brand.pk, action=action).order_by("id"))


def last(brand: Brand, action: str) -> AuditEntry:
    found = entries(brand, action)
    assert found, f"no {action} entry for {brand.slug}"
    return found[-1]


def test_membership_changes_name_the_lead_who_made_them(world) -> None:
    lead = world.a.person(Role.ACCOUNT_LEAD)
    client = client_for(lead)
    newcomer = UserFactory(username="nora-newcomer")
    base = f"/api/v1/brands/{world.a.brand.slug}/memberships/"

    added = client.post(base, {"email": newcomer.email, "role": Role.COPYWRITER})
    assert added.status_code == 201
    member_id = added.json()["id"]
    assert client.patch(f"{base}{member_id}/", {"role": Role.STRATEGIST}).status_code == 200
    assert client.delete(f"{base}{member_id}/").status_code == 204

    brand = world.a.brand
    entry = last(brand, "member.added")
    assert (entry.actor_kind, entry.actor_user_id, entry.actor_label) == (
        "person",
        lead.pk,
        lead.email,
    )
    assert (entry.subject_kind, entry.subject_id) == ("membership", member_id)
    assert entry.after == {"user": newcomer.email, "role": "copywriter"}
    changed = last(brand, "member.role_changed")
    assert (changed.before, changed.after) == ({"role": "copywriter"}, {"role": "strategist"})
    removed = last(brand, "member.removed")
    assert removed.before == {"user": newcomer.email, "role": "strategist"}
    assert removed.actor_user_id == lead.pk
    # The other brand's trail heard nothing of it.
    assert not AuditEntry.objects.filter(brand_id=world.b.brand.pk, subject_id=member_id).exists()


def test_api_keys_created_and_revoked_are_recorded_without_their_secret(world) -> None:
    admin = world.admin
    client = client_for(admin)
    base = f"/api/v1/brands/{world.a.brand.slug}/api-keys/"
    created = client.post(base, {"name": "scheduler", "scopes": ["read"]}, format="json")
    assert created.status_code == 201
    key_id, secret = created.json()["id"], created.json()["secret"]
    assert client.post(f"{base}{key_id}/revoke/").status_code == 200
    assert client.post(f"{base}{key_id}/revoke/").status_code == 200  # twice: one entry

    made = last(world.a.brand, "api_key.created")
    assert (made.subject_kind, made.subject_id, made.actor_user_id) == ("api_key", key_id, admin.pk)
    assert made.after == {"scopes": ["read"]}
    revoked = entries(world.a.brand, "api_key.revoked")
    assert [e.subject_id for e in revoked] == [key_id]
    everything = str(list(AuditEntry.objects.values()))
    assert secret.split(".")[1] not in everything
    assert ApiKey.objects.get(pk=key_id).secret_hash not in everything


def test_brand_created_renamed_suspended_reactivated_and_deleted_leave_entries(world) -> None:
    admin = client_for(world.admin)
    created = admin.post(
        "/api/v1/brands/",
        {"agency": "test-agency", "name": "Fjord Fish", "slug": "fjord-fish"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    brand = Brand.objects.get(slug="fjord-fish")
    url = "/api/v1/brands/fjord-fish/"
    assert admin.patch(url, {"name": "Fjord Fisheries"}, format="json").status_code == 200
    assert admin.patch(url, {"status": "suspended"}, format="json").status_code == 200
    assert admin.patch(url, {"status": "active"}, format="json").status_code == 200
    assert admin.delete(url, {"confirm": "fjord-fish"}, format="json").status_code == 204

    assert not Brand.objects.filter(slug="fjord-fish").exists()
    actions = list(
        AuditEntry.objects.filter(brand_id=brand.pk).values_list("action", "actor_user_id")
    )
    assert actions == [
        ("brand.created", world.admin.pk),
        ("brand.updated", world.admin.pk),
        ("brand.suspended", world.admin.pk),
        ("brand.activated", world.admin.pk),
        ("brand.deleted", world.admin.pk),
    ]
    renamed = last(brand, "brand.updated")
    assert (renamed.before, renamed.after) == ({"name": "Fjord Fish"}, {"name": "Fjord Fisheries"})
    # The brand's schema is gone, its trail is not: the last entry says what was deleted.
    deleted = last(brand, "brand.deleted")
    assert deleted.brand_slug == "fjord-fish"
    assert deleted.before["name"] == "Fjord Fisheries"
    assert deleted.before["agency"] == "test-agency"


def test_refused_brand_deletion_leaves_no_entry(world) -> None:
    response = client_for(world.admin).delete(
        f"/api/v1/brands/{world.a.brand.slug}/", {"confirm": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert entries(world.a.brand, "brand.deleted") == []


def test_assistant_settings_changes_keep_the_old_value_and_hide_the_key(world) -> None:
    lead = world.a.person(Role.ACCOUNT_LEAD)
    url = f"/brands/{world.a.brand.slug}/api/v1/assistant/settings/"
    response = client_for(lead).patch(
        url, {"novelty_threshold": 70, "api_key": "sk-very-secret"}, format="json"
    )
    assert response.status_code == 200, response.json()

    entry = last(world.a.brand, "assistant_settings.changed")
    assert entry.actor_user_id == lead.pk
    assert entry.before == {"novelty_threshold": 85, "api_key": ""}
    assert entry.after == {"novelty_threshold": 70, "api_key": "[redacted]"}
    assert "sk-very-secret" not in str(list(AuditEntry.objects.values()))


def _set_budget(client: APIClient, slug: str, amount: str):  # type: ignore[no-untyped-def]
    month = timezone.now().date().replace(day=1)
    return client.put(
        f"/brands/{slug}/api/v1/media-budgets/",
        {"month": f"{month:%Y-%m}", "currency": "EUR", "amount": amount},
    )


def test_budgets_and_media_settings_changes_are_recorded(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    slug = world.a.brand.slug
    assert _set_budget(lead, slug, "1000.00").status_code == 200
    assert _set_budget(lead, slug, "750.00").status_code == 200
    settings = lead.patch(
        f"/brands/{slug}/api/v1/media-settings/", {"pacing_tolerance_percent": 30}
    )
    assert settings.status_code == 200

    first, second = entries(world.a.brand, "budget.set")[-2:]
    assert first.before is None
    assert Decimal(first.after["amount"]) == Decimal("1000")
    assert Decimal(second.before["amount"]) == Decimal("1000")
    assert Decimal(second.after["amount"]) == Decimal("750")
    assert second.subject_id == first.subject_id
    tolerance = last(world.a.brand, "media_settings.changed")
    assert tolerance.after == {"pacing_tolerance_percent": 30}


def test_boost_changes_by_an_api_key_name_the_key_and_its_creator(world) -> None:
    lead = world.a.person(Role.ACCOUNT_LEAD)
    assert _set_budget(client_for(lead), world.a.brand.slug, "100000.00").status_code == 200
    key, secret = services.create_api_key(
        brand=world.a.brand, name="media-buyer", scopes=[Scope.WRITE_MEDIA], created_by=lead
    )
    integrator = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    now = timezone.now()
    proposed = integrator.post(
        f"/brands/{world.a.brand.slug}/api/v1/boosts/",
        {
            "external_post_ref": "https://x.com/alpine/status/1",
            "network": "x",
            "objective": "traffic",
            "currency": "EUR",
            "budget_total": "300.00",
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=10)).isoformat(),
        },
        format="json",
    )
    assert proposed.status_code == 201, proposed.json()
    boost_id = proposed.json()["id"]
    cancelled = integrator.post(
        f"/brands/{world.a.brand.slug}/api/v1/boosts/{boost_id}/cancel/", {"note": "wrong post"}
    )
    assert cancelled.status_code == 200

    entry = last(world.a.brand, "boost.proposed")
    assert (entry.actor_kind, entry.actor_api_key_id, entry.actor_user_id) == (
        "api_key",
        key.pk,
        lead.pk,
    )
    assert "media-buyer" in entry.actor_label and lead.email in entry.actor_label
    assert Decimal(entry.after["budget_total"]) == Decimal("300")
    moves = [
        e.after["status"] for e in entries(world.a.brand, "boost.moved") if e.subject_id == boost_id
    ]
    assert moves[-1] == "cancelled"


def test_the_database_refuses_to_change_or_delete_an_entry(world) -> None:
    with schema_context(world.a.brand.schema_name):
        services.update_brand(brand=world.a.brand, locale="de")
    entry = last(world.a.brand, "brand.updated")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label="someone else")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.actor_label == "system"


@pytest.mark.parametrize("role", list(Role))
def test_who_may_read_the_trail_follows_the_permission_table(world, role) -> None:
    client = client_for(world.a.person(role))
    expected = 200 if role_may(role, "brand_audit.read") else 403
    assert client.get(trail_url(world.a.brand)).status_code == expected
    assert client.get(trail_url(world.a.brand, "export/")).status_code == expected
    assert (role in LEADS) == (expected == 200)


def test_client_approver_and_api_keys_cannot_read_it_and_other_brands_get_404(world) -> None:
    assert (
        client_for(world.a.person(Role.CLIENT_APPROVER)).get(trail_url(world.a.brand)).status_code
        == 403
    )
    _key, secret = services.create_api_key(
        brand=world.a.brand, name="bi", scopes=list(Scope.values)
    )
    key_client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert key_client.get(trail_url(world.a.brand)).status_code == 403
    outsider = client_for(world.b.person(Role.ACCOUNT_LEAD))
    for url in (trail_url(world.a.brand), trail_url(world.a.brand, "export/")):
        response = outsider.get(url)
        assert response.status_code == 404
        assert "alpine" not in response.content.decode().replace(url, "")


def test_list_shows_only_this_brands_entries_and_filters_by_action(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    with schema_context(world.b.brand.schema_name):
        services.update_brand(brand=world.b.brand, locale="fr")
    with schema_context(world.a.brand.schema_name):
        services.update_brand(brand=world.a.brand, locale="it")
    body = lead.get(trail_url(world.a.brand), {"action": "brand.updated"}).json()
    assert [row["after"] for row in body["results"]][-1] == {"locale": "it"}
    assert all(row["action"] == "brand.updated" for row in body["results"])
    all_rows = lead.get(trail_url(world.a.brand), {"page_size": 500}).json()["results"]
    ids = {row["id"] for row in all_rows}
    assert not ids & set(
        AuditEntry.objects.filter(brand_id=world.b.brand.pk).values_list("id", flat=True)
    )
    bad = lead.get(trail_url(world.a.brand), {"action": "nonsense"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "action"


def test_csv_export_has_every_entry_and_defuses_formulas(world) -> None:
    brand = world.a.brand
    admin = client_for(world.admin)
    names = ['=HYPERLINK("http://evil")', "+1+1", "-2", "@SUM(A1)", "plain"]
    for name in names:
        response = admin.post(
            f"/api/v1/brands/{brand.slug}/api-keys/", {"name": name, "scopes": ["read"]}
        )
        assert response.status_code == 201

    response = client_for(world.a.person(Role.ACCOUNT_LEAD)).get(trail_url(brand, "export/"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [int(r["id"]) for r in rows] == list(
        AuditEntry.objects.filter(brand_id=brand.pk).order_by("id").values_list("id", flat=True)
    )
    created = [r for r in rows if r["action"] == "api_key.created"][-len(names) :]
    labels = [r["subject_label"] for r in created]
    assert labels[:4] == [
        '\'=HYPERLINK("http://evil") (' + labels[0].split(" (")[-1],
        "'+1+1 (" + labels[1].split(" (")[-1],
        "'-2 (" + labels[2].split(" (")[-1],
        "'@SUM(A1) (" + labels[3].split(" (")[-1],
    ]
    assert labels[4].startswith("plain (")
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@")), row
    assert created[0]["actor_label"] == world.admin.email
    assert created[0]["after"] == '{"scopes": ["read"]}'
    # Times are written in the brand's own zone (Europe/Zurich).
    assert created[0]["at"].endswith(("+01:00", "+02:00"))


def test_membership_added_when_seeding_is_the_systems(world) -> None:
    user = UserFactory(username="seeded")
    membership = services.add_member(brand=world.a.brand, user=user, role=Role.CLIENT_VIEWER)
    entry = last(world.a.brand, "member.added")
    assert (entry.subject_id, entry.actor_kind, entry.actor_user_id) == (
        membership.pk,
        "system",
        None,
    )
    assert Membership.objects.filter(pk=membership.pk).exists()
