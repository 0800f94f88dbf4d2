"""Password sign-in has a brute-force limit per account and per address (issue 14, item 7).

Before: the token endpoint and the phone view's password form checked any number of guesses.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tenants.roles import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
SIGN_IN = "/approve/sign-in/"


@pytest.fixture(autouse=True)
def _small_budgets(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 6
    settings.SIGN_IN_WINDOW_SECONDS = 600


def guess(username: str, password: str = "wrong-guess", address: str = "203.0.113.7"):  # type: ignore[no-untyped-def]
    return APIClient().post(
        TOKEN, {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_token_endpoint_refuses_an_account_after_its_failures_even_with_the_right_password(
    world,
) -> None:
    person = world.a.person(Role.COPYWRITER)
    for _ in range(3):
        assert guess(person.username).status_code == 400
    refused = guess(person.username, PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    body = refused.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "throttled"
    assert "token" not in body
    # From another address too: the budget is the account's.
    assert guess(person.username, PASSWORD, address="198.51.100.9").status_code == 429
    # Someone else on the same address is not locked out by it.
    other = world.a.person(Role.STRATEGIST)
    assert guess(other.username, PASSWORD).status_code == 200


def test_one_address_guessing_many_accounts_is_refused(world) -> None:
    names = [UserFactory().username for _ in range(7)]
    answers = [guess(name).status_code for name in names]
    assert answers == [400] * 6 + [429]
    # The address stays refused, even for an account that has not failed and the right password.
    assert guess(world.a.person(Role.STRATEGIST).username, PASSWORD).status_code == 429
    assert guess(names[0], PASSWORD, address="198.51.100.9").status_code == 200


def test_a_correct_password_does_not_use_up_the_budget(world) -> None:
    person = world.a.person(Role.ACCOUNT_LEAD)
    for _ in range(10):
        assert guess(person.username, PASSWORD).status_code == 200
    assert guess(person.username).status_code == 400


def test_unknown_accounts_are_limited_like_real_ones(world) -> None:
    answers = [guess("nobody-by-this-name").status_code for _ in range(4)]
    assert answers == [400, 400, 400, 429]


def test_phone_view_password_sign_in_is_limited_per_account(world) -> None:
    approver = world.a.person(Role.CLIENT_APPROVER)
    phone = Client(REMOTE_ADDR="203.0.113.50")
    form = {"method": "password", "username": approver.email, "password": "nope"}
    for _ in range(3):
        assert phone.post(SIGN_IN, form).status_code == 400
    refused = phone.post(SIGN_IN, {**form, "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in phone.session
    # The API knows the same account is locked: the budget is shared.
    assert guess(approver.username, PASSWORD).status_code == 429


ADMIN_SIGN_IN = "/admin/login/"


def admin_guess(client: Client, username: str, password: str = "wrong-guess"):  # type: ignore[no-untyped-def]
    return client.post(
        ADMIN_SIGN_IN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR="203.0.113.7",
    )


def test_the_admin_sign_in_has_the_same_limit_and_a_staff_member_still_gets_in(world) -> None:
    operator = UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    for _ in range(3):
        wrong = admin_guess(browser, operator.username)
        assert wrong.status_code == 200  # the admin's own form, with its error
        assert b"correct username and password" in wrong.content
    refused = admin_guess(browser, operator.username, PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert browser.get("/admin/").status_code == 302  # still not signed in

    # Another operator, from the same address, within its budget, gets in.
    other = UserFactory(is_staff=True, is_superuser=True)
    fresh = Client()
    signed_in = admin_guess(fresh, other.username, PASSWORD)
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/admin/")
    assert fresh.get("/admin/").status_code == 200


def test_a_right_password_without_staff_status_counts_as_a_failed_admin_sign_in(world) -> None:
    person = world.a.person(Role.COPYWRITER)  # not staff: the admin refuses them
    answers = [admin_guess(Client(), person.username, PASSWORD).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def via_proxy(username: str, forwarded_for: str, password: str = "wrong-guess"):  # type: ignore[no-untyped-def]
    """A guess arriving through the load balancer at 10.0.0.2, which appends the address it
    got the request from to X-Forwarded-For."""
    return APIClient().post(
        TOKEN,
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_proxy_one_attacker_does_not_lock_out_everyone_else(world, settings) -> None:
    settings.TRUSTED_PROXY_HOPS = 1
    names = [UserFactory().username for _ in range(7)]
    assert [via_proxy(name, "203.0.113.7").status_code for name in names] == [400] * 6 + [429]
    # Another client through the same proxy still signs in.
    colleague = world.a.person(Role.STRATEGIST)
    assert via_proxy(colleague.username, "198.51.100.20", PASSWORD).status_code == 200


def test_a_forged_forwarded_for_does_not_buy_the_attacker_a_fresh_budget(world, settings) -> None:
    settings.TRUSTED_PROXY_HOPS = 1
    names = [UserFactory().username for _ in range(7)]
    # The client writes its own X-Forwarded-For entry; the proxy appends the real address.
    answers = [
        via_proxy(name, f"192.0.2.{n}, 203.0.113.7").status_code for n, name in enumerate(names)
    ]
    assert answers == [400] * 6 + [429]


def test_without_a_trusted_proxy_forwarded_for_is_ignored(world) -> None:
    names = [UserFactory().username for _ in range(7)]
    answers = [via_proxy(name, f"192.0.2.{n}").status_code for n, name in enumerate(names)]
    # All from REMOTE_ADDR 10.0.0.2, whatever the header claims.
    assert answers == [400] * 6 + [429]
