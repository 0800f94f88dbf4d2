"""Approvers sign in from their phone with an emailed link (once, 15 minutes) or a password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.http import HttpResponse
from django.test import Client, TestCase
from django.utils import timezone

from tenants.models import SignInLink
from tenants.roles import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def link_request(client: Client, data: dict[str, str]) -> HttpResponse:
    """Ask for a sign-in link; the email goes out from the (inline) worker after the commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/approve/sign-in/", {"method": "link", **data})


def _request_link(client: Client, email: str) -> str:
    response = link_request(client, {"email": email})
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    body = mail.outbox[-1].body
    return re.search(r"http://\S+/approve/link/(\S+)/", body).group(1)


def test_emailed_link_signs_the_approver_in_once(world) -> None:
    approver = world.a.person(Role.CLIENT_APPROVER)
    phone = Client()
    token = _request_link(phone, approver.email)
    assert mail.outbox[-1].to == [approver.email]
    assert SignInLink.objects.filter(token_hash=token).count() == 0  # only the hash is stored

    opened = phone.get(f"/approve/link/{token}/")
    assert opened.status_code == 302
    assert phone.session["_auth_user_id"] == str(approver.pk)

    again = Client().get(f"/approve/link/{token}/")
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert "Send me a new link" in again.content.decode()


def test_expired_link_shows_a_clear_page_and_does_not_sign_in(world) -> None:
    approver = world.a.person(Role.CLIENT_LEGAL)
    token = _request_link(Client(), approver.email)
    SignInLink.objects.filter(user=approver).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    phone = Client()
    response = phone.get(f"/approve/link/{token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "_auth_user_id" not in phone.session


def test_unknown_email_gets_the_same_answer_and_no_mail(world, inline_worker) -> None:
    response = link_request(Client(), {"email": "who@nowhere.test"})
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []
    # Known or not, the address goes to the worker: the page never waits for the mail server,
    # and takes no longer for an address with an account.
    [handed] = [m for m in inline_worker.ran if m.actor_name == "email_sign_in_link"]
    assert handed.args[0] == "who@nowhere.test"


def test_made_up_link_is_not_found(world) -> None:
    response = Client().get("/approve/link/not-a-real-token/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_password_sign_in_works_and_wrong_password_says_so(world) -> None:
    approver = world.a.person(Role.CLIENT_PR)
    phone = Client()
    wrong = phone.post(
        "/approve/sign-in/",
        {"method": "password", "username": approver.email, "password": "nope"},
    )
    assert wrong.status_code == 400
    assert "do not match" in wrong.content.decode()
    ok = phone.post(
        "/approve/sign-in/",
        {"method": "password", "username": approver.email, "password": PASSWORD},
    )
    assert ok.status_code == 302
    assert phone.session["_auth_user_id"] == str(approver.pk)


def test_sign_in_form_requires_csrf_token(world) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/approve/sign-in/", {"method": "link", "email": "a@b.test"})
    assert response.status_code == 403


STEP_PATH = "/brands/alpine-coffee/approve/steps/123/"


def test_password_sign_in_returns_to_the_page_that_asked_for_it(world) -> None:
    approver = world.a.person(Role.CLIENT_PR)
    phone = Client()
    # The emailed step link sent a signed-out approver to sign in
    asked = phone.get(STEP_PATH)
    assert asked["Location"] == f"/approve/sign-in/?next={STEP_PATH}"
    form = phone.get(asked["Location"]).content.decode()
    assert f'name="next" value="{STEP_PATH}"' in form
    ok = phone.post(
        "/approve/sign-in/",
        {"method": "password", "username": approver.email, "password": PASSWORD, "next": STEP_PATH},
    )
    assert ok.status_code == 302
    assert ok["Location"] == STEP_PATH


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/approve/", "//evil.example/", "javascript:alert(1)"]
)
def test_sign_in_never_sends_anyone_to_another_site(world, unsafe) -> None:
    approver = world.a.person(Role.CLIENT_PR)
    phone = Client()
    form = phone.get("/approve/sign-in/", {"next": unsafe}).content.decode()
    assert "evil.example" not in form and "javascript" not in form
    ok = phone.post(
        "/approve/sign-in/",
        {"method": "password", "username": approver.email, "password": PASSWORD, "next": unsafe},
    )
    assert ok.status_code == 302
    assert ok["Location"] == "/approve/"


def test_emailed_sign_in_link_returns_to_the_page_that_asked_for_it(world) -> None:
    approver = world.a.person(Role.CLIENT_APPROVER)
    phone = Client()
    response = link_request(phone, {"email": approver.email, "next": STEP_PATH})
    assert response.status_code == 200
    link = re.search(r"http://\S+(/approve/link/\S+)", mail.outbox[-1].body).group(1)
    opened = phone.get(link)
    assert opened.status_code == 302
    assert opened["Location"] == STEP_PATH
    assert phone.session["_auth_user_id"] == str(approver.pk)


def test_already_signed_in_approver_goes_straight_to_next(world) -> None:
    phone = Client()
    phone.force_login(world.a.person(Role.CLIENT_APPROVER))
    response = phone.get("/approve/sign-in/", {"next": STEP_PATH})
    assert response.status_code == 302
    assert response["Location"] == STEP_PATH
