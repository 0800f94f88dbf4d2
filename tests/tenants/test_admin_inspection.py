"""Platform staff can inspect one brand's drafts, approvals and boosts in the Django admin,
read-only (issue 15: support staff could not see a brand's content there)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from content.models import Draft
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(world) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(UserFactory(username="sam-support", is_staff=True, is_superuser=True))
    return client


def _draft(brand, text: str) -> Draft:  # type: ignore[no-untyped-def]
    with schema_context(brand.schema_name):
        return Draft.objects.create(kind=Draft.Kind.POST, text=text)


def test_support_picks_a_brand_and_sees_only_its_drafts_read_only(world, support) -> None:
    _draft(world.a.brand, "Alpine autumn blend")
    theirs = _draft(world.b.brand, "Bayside bike sale")

    # Without a brand picked, brand content pages send you to pick one.
    unpicked = support.get("/admin/content/draft/")
    assert unpicked.status_code == 302
    assert unpicked["Location"] == "/admin/tenants/brand/"
    brands = support.get("/admin/tenants/brand/").content.decode()
    assert f"/admin/tenants/brand/{world.a.brand.pk}/inspect/" in brands

    assert support.get(f"/admin/tenants/brand/{world.a.brand.pk}/inspect/").status_code == 302
    page = support.get("/admin/content/draft/?q=Alpine")
    assert page.context["cl"].result_count == 1
    assert support.get("/admin/content/draft/?q=Bayside").context["cl"].result_count == 0
    # Read-only: no change, no delete.
    ours = page.context["cl"].result_list[0]
    deleting = support.post(f"/admin/content/draft/{ours.pk}/delete/", {"post": "yes"})
    assert deleting.status_code == 403
    with schema_context(world.a.brand.schema_name):
        assert Draft.objects.filter(pk=ours.pk).exists()
    assert support.get("/admin/content/draft/add/").status_code == 403

    # Switching brands shows the other brand's, and the public admin still works meanwhile.
    support.get(f"/admin/tenants/brand/{world.b.brand.pk}/inspect/")
    assert support.get("/admin/content/draft/?q=Bayside").context["cl"].result_count == 1
    assert support.get(f"/admin/content/draft/{theirs.pk}/change/").status_code == 200
    assert support.get("/admin/tenants/user/").status_code == 200
    assert support.get("/admin/approvals/approvalrequest/").status_code == 200
    assert support.get("/admin/paid_media/boost/").status_code == 200

    support.get("/admin/tenants/brand/stop-inspecting/")
    assert support.get("/admin/content/draft/").status_code == 302


def test_people_who_are_not_staff_get_the_admin_sign_in(world) -> None:
    from tenants.roles import Role

    lead = Client()
    lead.force_login(world.a.person(Role.ACCOUNT_LEAD))
    answer = lead.get(f"/admin/tenants/brand/{world.a.brand.pk}/inspect/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/admin/login/")
