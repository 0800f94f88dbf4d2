"""The person on duty sees a crisis warning on the phone and opens the incident, or dismisses
the warning, with one tap."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from approvals.models import Incident
from listening.models import CrisisWarning
from tenants.roles import Role
from tests.listening.conftest import send
from tests.listening.test_crisis import storm, watch

pytestmark = pytest.mark.django_db


def phone(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(bw) -> str:
    return f"/brands/{bw.brand.slug}/approve/warnings/"


def test_the_community_manager_opens_the_incident_from_the_phone(world) -> None:
    a = world.a
    send(a, storm(8, sources=("x", "tiktok")))
    warning = watch(a)
    manager = phone(a.person(Role.COMMUNITY_MANAGER))

    shown = manager.get(page(a))
    wrong = manager.post(
        f"{page(a)}{warning.pk}/decide/", {"decision": "confirm", "severity": "9"}, follow=True
    )
    tapped = manager.post(
        f"{page(a)}{warning.pk}/decide/", {"decision": "confirm", "severity": "3"}, follow=True
    )
    again = manager.post(f"{page(a)}{warning.pk}/decide/", {"decision": "dismiss"}, follow=True)

    assert shown.status_code == 200
    html = shown.content.decode()
    assert "Suggested severity 2 of 5" in html
    assert "8 negative signals" in html and "tiktok, x" in html
    assert "court" not in html  # the evidence, not the public's words
    assert "Open the incident" in html
    assert "Severity goes from 1" in wrong.content.decode()
    assert tapped.status_code == 200
    assert "Incident opened at severity 3." in tapped.content.decode()
    assert "already confirmed" in again.content.decode()
    with schema_context(a.brand.schema_name):
        assert Incident.objects.get().severity == 3
        assert CrisisWarning.objects.get().status == "confirmed"


def test_a_viewer_sees_the_warning_but_cannot_decide_it(world) -> None:
    a = world.a
    send(a, storm(8))
    warning = watch(a)
    viewer = phone(a.person(Role.CLIENT_VIEWER))

    shown = viewer.get(page(a))
    refused = viewer.post(f"{page(a)}{warning.pk}/decide/", {"decision": "dismiss"})

    assert "Open the incident" not in shown.content.decode()
    assert refused.status_code == 404
    with schema_context(a.brand.schema_name):
        assert CrisisWarning.objects.get().status == "open"


def test_strangers_and_other_brands_learn_nothing(world) -> None:
    a, b = world.a, world.b
    send(a, storm(8))
    warning = watch(a)

    assert phone(b.person(Role.ACCOUNT_LEAD)).get(page(a)).status_code == 404
    assert (
        phone(b.person(Role.ACCOUNT_LEAD))
        .post(f"{page(a)}{warning.pk}/decide/", {"decision": "dismiss"})
        .status_code
        == 404
    )
    assert Client().get(page(a)).status_code == 302  # to the sign-in
    assert phone(a.person(Role.ACCOUNT_LEAD)).post(f"{page(a)}999999/decide/").status_code == 404
    with schema_context(a.brand.schema_name):
        assert CrisisWarning.objects.get().status == "open"
