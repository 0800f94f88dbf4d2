"""The public platform API: the caller, brands, memberships, API keys, health and schema."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_exists
from rest_framework.test import APIClient

from tenants.models import ApiKey, Brand, Membership, User
from tenants.roles import Role
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_health_reports_database_and_broker_ok() -> None:
    response = APIClient().get("/api/v1/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("ok")


def test_openapi_schema_covers_platform_and_brand_routes() -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/brands/" in schema["paths"]
    assert "/brands/{brand_slug}/api/v1/channels/" in schema["paths"]
    assert "apiKey" in schema["components"]["securitySchemes"]
    assert APIClient().get("/api/docs/").status_code == 200


def test_token_sign_in_then_me_lists_my_brands(world) -> None:
    person = world.a.person(Role.COPYWRITER)
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": person.username, "password": PASSWORD}
    )
    assert token.status_code == 200
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == person.username
    assert me["memberships"] == [
        {"brand": "alpine-coffee", "brand_name": "Alpine Coffee", "role": "copywriter"}
    ]


def test_brand_list_shows_only_brands_i_belong_to(world) -> None:
    slugs = [
        b["slug"]
        for b in client_for(world.b.person(Role.CLIENT_APPROVER)).get("/api/v1/brands/").json()
    ]
    assert slugs == ["bayside-bikes"]
    admin_slugs = {b["slug"] for b in client_for(world.admin).get("/api/v1/brands/").json()}
    assert {"alpine-coffee", "bayside-bikes"} <= admin_slugs


def test_agency_admin_creates_a_brand_through_the_api(world) -> None:
    response = client_for(world.admin).post(
        "/api/v1/brands/",
        {
            "agency": "test-agency",
            "name": "Fjord Fish",
            "slug": "fjord-fish",
            "timezone": "Europe/Oslo",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["api_root"] == "/brands/fjord-fish/api/v1/"
    assert schema_exists("brand_fjord_fish")
    assert Membership.objects.get(brand__slug="fjord-fish").role == Role.AGENCY_ADMIN


def test_brand_create_with_bad_input_names_the_field_and_creates_nothing(world) -> None:
    client = client_for(world.admin)
    bad_slug = client.post(
        "/api/v1/brands/", {"agency": "test-agency", "name": "X", "slug": "Not A Slug"}
    )
    assert bad_slug.status_code == 400
    assert bad_slug.json()["errors"][0]["attr"] == "slug"

    bad_tz = client.post(
        "/api/v1/brands/",
        {"agency": "test-agency", "name": "X", "slug": "x-brand", "timezone": "Nowhere/Land"},
    )
    assert bad_tz.status_code == 400
    assert bad_tz.json()["errors"][0]["attr"] == "timezone"

    taken = client.post(
        "/api/v1/brands/", {"agency": "test-agency", "name": "X", "slug": "alpine-coffee"}
    )
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["attr"] == "slug"
    assert not Brand.objects.filter(slug="x-brand").exists()


def test_non_admin_cannot_create_a_brand(world) -> None:
    lead = world.a.person(Role.ACCOUNT_LEAD)
    response = client_for(lead).post(
        "/api/v1/brands/", {"agency": "test-agency", "name": "No", "slug": "no-brand"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "agency"
    assert not Brand.objects.filter(slug="no-brand").exists()


def test_only_agency_admin_suspends_and_deletion_needs_confirmation(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    refused = lead.patch("/api/v1/brands/alpine-coffee/", {"status": "suspended"})
    assert refused.status_code == 403
    assert Brand.objects.get(slug="alpine-coffee").status == "active"

    admin = client_for(world.admin)
    unconfirmed = admin.delete("/api/v1/brands/alpine-coffee/", {"confirm": "yes"})
    assert unconfirmed.status_code == 400
    assert unconfirmed.json()["errors"][0]["attr"] == "confirm"
    assert schema_exists("brand_alpine_coffee")


def test_account_lead_manages_members_by_email(world) -> None:
    newcomer = UserFactory(username="nina-new")
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    added = lead.post(
        "/api/v1/brands/alpine-coffee/memberships/",
        {"email": newcomer.email, "role": "client_viewer"},
    )
    assert added.status_code == 201
    membership_id = added.json()["id"]
    changed = lead.patch(
        f"/api/v1/brands/alpine-coffee/memberships/{membership_id}/", {"role": "client_legal"}
    )
    assert changed.json()["role"] == "client_legal"


def _invite(client, email: str, capture, role: str = "client_approver"):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post(
            "/api/v1/brands/alpine-coffee/memberships/", {"email": email, "role": role}
        )


def _deliver_invitations(inline_worker) -> None:  # type: ignore[no-untyped-def]
    from tenants.tasks import send_invitation

    for message in [m for m in inline_worker.kept if m.actor_name == send_invitation.actor_name]:
        send_invitation.fn(*message.args)
        inline_worker.kept.remove(message)


def test_inviting_by_email_answers_the_same_whether_or_not_the_address_has_an_account(
    world, inline_worker, django_capture_on_commit_callbacks
) -> None:
    from django.core import mail

    known = UserFactory(username="kim-known", email="kim@example.test")
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    old = _invite(lead, "kim@example.test", django_capture_on_commit_callbacks)
    new = _invite(lead, "Zoe.New@Example.test", django_capture_on_commit_callbacks)
    assert old.status_code == new.status_code == 201, (old.json(), new.json())
    assert set(old.json()) == set(new.json()) == {"id", "email", "role", "created_at"}
    assert "user" not in new.json() and "username" not in str(new.json())

    # Both are members now; the new address got an account it signs into by link.
    zoe = User.objects.get(email__iexact="zoe.new@example.test")
    assert not zoe.has_usable_password()
    assert Membership.objects.get(brand=world.a.brand, user=zoe).role == "client_approver"
    assert Membership.objects.filter(brand=world.a.brand, user=known).exists()

    # Each is emailed a sign-in link by the worker, which opens the brand on their phone.
    _deliver_invitations(inline_worker)
    sent = {m.to[0].lower(): m for m in mail.outbox}
    assert set(sent) == {"kim@example.test", "zoe.new@example.test"}
    invitation = sent["zoe.new@example.test"]
    assert "Alpine Coffee" in invitation.subject
    assert "Client approver" in invitation.body or "client approver" in invitation.body.lower()
    link = re.search(r"http://\S+/approve/link/\S+/\?next=\S+", invitation.body).group(0)
    phone = Client()
    opened = phone.get(link.replace("http://127.0.0.1:8000", ""))
    assert opened.status_code == 302
    assert opened["Location"] == "/brands/alpine-coffee/approve/"
    assert phone.session["_auth_user_id"] == str(zoe.pk)


def test_an_invitation_with_bad_input_names_the_field_and_makes_no_account(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    url = "/api/v1/brands/alpine-coffee/memberships/"
    bad = lead.post(url, {"email": "not-an-address", "role": "copywriter"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "email"
    above = lead.post(url, {"email": "boss@example.test", "role": "agency_admin"})
    assert above.status_code == 403
    assert above.json()["errors"][0]["attr"] == "role"
    assert not User.objects.filter(email__in=["not-an-address", "boss@example.test"]).exists()


def test_copywriter_and_outsider_cannot_manage_members(world) -> None:
    victim = UserFactory(username="vic")
    for person, expected in [
        (world.a.person(Role.COPYWRITER), 403),
        (world.b.person(Role.ACCOUNT_LEAD), 404),
    ]:
        response = client_for(person).post(
            "/api/v1/brands/alpine-coffee/memberships/",
            {"email": victim.email, "role": "agency_admin"},
        )
        assert response.status_code == expected
    assert not Membership.objects.filter(user=victim).exists()


def _role(brand_slug: str, user) -> str:
    return Membership.objects.get(brand__slug=brand_slug, user=user).role


def test_account_lead_cannot_hand_out_or_take_over_agency_admin(world) -> None:
    lead_user = world.a.person(Role.ACCOUNT_LEAD)
    viewer = world.a.person(Role.CLIENT_VIEWER)
    lead = client_for(lead_user)
    url = "/api/v1/brands/alpine-coffee/memberships/"
    newcomer = UserFactory(username="eve-new")

    granted = lead.post(url, {"email": newcomer.email, "role": "agency_admin"})
    assert granted.status_code == 403
    assert granted.json()["errors"][0]["attr"] == "role"
    assert not Membership.objects.filter(user=newcomer).exists()

    mine = Membership.objects.get(brand__slug="alpine-coffee", user=lead_user)
    admins = Membership.objects.get(brand__slug="alpine-coffee", user=world.admin)
    viewers = Membership.objects.get(brand__slug="alpine-coffee", user=viewer)
    for membership, role in [
        (mine, "agency_admin"),
        (admins, "client_viewer"),
        (viewers, "agency_admin"),
    ]:
        response = lead.patch(f"{url}{membership.pk}/", {"role": role})
        assert response.status_code == 403, (membership.role, role)
    assert lead.delete(f"{url}{admins.pk}/").status_code == 403
    assert _role("alpine-coffee", lead_user) == Role.ACCOUNT_LEAD
    assert _role("alpine-coffee", world.admin) == Role.AGENCY_ADMIN
    assert _role("alpine-coffee", viewer) == Role.CLIENT_VIEWER


def test_account_lead_manages_the_roles_below_but_not_peers(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    url = "/api/v1/brands/alpine-coffee/memberships/"
    copywriter = Membership.objects.get(
        brand__slug="alpine-coffee", user=world.a.person(Role.COPYWRITER)
    )
    promoted = lead.patch(f"{url}{copywriter.pk}/", {"role": "account_lead"})
    assert promoted.status_code == 200
    # Now a peer: another account lead cannot be changed or removed by this one.
    assert lead.delete(f"{url}{copywriter.pk}/").status_code == 403
    assert Membership.objects.filter(pk=copywriter.pk).exists()

    viewer = world.a.person(Role.CLIENT_VIEWER)
    own = Membership.objects.get(brand__slug="alpine-coffee", user=viewer)
    assert lead.delete(f"{url}{own.pk}/").status_code == 204
    assert not Membership.objects.filter(pk=own.pk).exists()


def test_inviting_someone_already_on_the_brand_is_a_conflict_not_a_role_change(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    copywriter = world.a.person(Role.COPYWRITER)
    response = lead.post(
        "/api/v1/brands/alpine-coffee/memberships/",
        {"email": copywriter.email, "role": "client_viewer"},
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "email"
    assert _role("alpine-coffee", copywriter) == Role.COPYWRITER


def test_the_last_agency_admin_cannot_be_demoted_or_removed(world) -> None:
    admin = client_for(world.admin)
    url = "/api/v1/brands/alpine-coffee/memberships/"
    lead_user = world.a.person(Role.ACCOUNT_LEAD)
    own = Membership.objects.get(brand__slug="alpine-coffee", user=world.admin)
    assert admin.patch(f"{url}{own.pk}/", {"role": "account_lead"}).status_code == 403
    left = admin.delete(f"{url}{own.pk}/")
    assert left.status_code == 409
    assert left.json()["errors"][0]["code"] == "last_admin"
    assert _role("alpine-coffee", world.admin) == Role.AGENCY_ADMIN

    # With a second admin, one admin may step the other down.
    lead = Membership.objects.get(brand__slug="alpine-coffee", user=lead_user)
    assert admin.patch(f"{url}{lead.pk}/", {"role": "agency_admin"}).status_code == 200
    assert (
        client_for(lead_user).patch(f"{url}{own.pk}/", {"role": "account_lead"}).status_code == 200
    )
    assert _role("alpine-coffee", world.admin) == Role.ACCOUNT_LEAD


def test_api_key_secret_is_shown_once_and_stored_hashed(world) -> None:
    admin = client_for(world.admin)
    created = admin.post(
        "/api/v1/brands/alpine-coffee/api-keys/",
        {"name": "crm", "scopes": ["read", "ingest:inbox"]},
        format="json",
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    key = ApiKey.objects.get(pk=created.json()["id"])
    assert secret.split(".", 1)[1] not in key.secret_hash
    listed = admin.get("/api/v1/brands/alpine-coffee/api-keys/").json()
    assert all("secret" not in row for row in listed)

    works = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}").get("/brands/alpine-coffee/api/v1/")
    assert works.status_code == 200
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None

    revoked = admin.post(f"/api/v1/brands/alpine-coffee/api-keys/{key.pk}/revoke/")
    assert revoked.json()["revoked_at"] is not None
    refused = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}").get("/brands/alpine-coffee/api/v1/")
    assert refused.status_code == 401


def test_api_key_with_unknown_scope_is_refused_naming_the_field(world) -> None:
    response = client_for(world.admin).post(
        "/api/v1/brands/alpine-coffee/api-keys/",
        {"name": "x", "scopes": ["root"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"].startswith("scopes")


def test_only_agency_admin_manages_api_keys(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    response = lead.post(
        "/api/v1/brands/alpine-coffee/api-keys/",
        {"name": "x", "scopes": ["read"]},
        format="json",
    )
    assert response.status_code == 403
    assert not ApiKey.objects.filter(name="x").exists()


@pytest.mark.parametrize(
    "name", ["localtime", "posixrules", "Factory", "posix/Europe/Oslo", "right/UTC", "europe/oslo"]
)
def test_only_iana_time_zone_names_are_accepted_for_a_brand(world, name) -> None:
    client = client_for(world.admin)
    created = client.post(
        "/api/v1/brands/",
        {"agency": "test-agency", "name": "Tz", "slug": "tz-brand", "timezone": name},
    )
    assert created.status_code == 400
    assert created.json()["errors"][0]["attr"] == "timezone"
    assert not Brand.objects.filter(slug="tz-brand").exists()

    changed = client.patch("/api/v1/brands/alpine-coffee/", {"timezone": name})
    assert changed.status_code == 400
    assert changed.json()["errors"][0]["attr"] == "timezone"
    assert Brand.objects.get(slug="alpine-coffee").timezone == "Europe/Zurich"


def test_iana_names_and_their_links_stay_accepted(world) -> None:
    client = client_for(world.admin)
    for name in ("UTC", "Etc/GMT-2", "America/Argentina/Buenos_Aires", "US/Eastern"):
        response = client.patch("/api/v1/brands/alpine-coffee/", {"timezone": name})
        assert response.status_code == 200, (name, response.json())
