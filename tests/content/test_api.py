"""The content API as a brand team uses it: set up the voice and audiences, ask for drafts for a
brief or replies to comments, and get checked, scored, attributed drafts back (offline
generator by default)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from content import services
from content.models import BrandVoice, Draft, GenerationJob
from content.tasks import run_generation_job
from tenants import services as tenant_services
from tenants.roles import Role, Scope
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def url(world, path: str, brand: str = "a") -> str:  # type: ignore[no-untyped-def]
    slug = getattr(world, brand).brand.slug
    return f"/brands/{slug}/api/v1/{path}"


def in_brand(world, brand: str = "a"):  # type: ignore[no-untyped-def]
    return schema_context(getattr(world, brand).brand.schema_name)


@pytest.fixture
def setup(world, offline):  # type: ignore[no-untyped-def]
    """Brand A with an X channel, a voice, an audience and a brief."""
    with in_brand(world):
        channel = services.create_channel(network="x", handle="alpinecoffee")
        services.create_voice_version(
            tone=["warm"],
            banned_phrases=["cheap"],
            hashtags=["AlpineCoffee"],
            allowed_domains=["alpinecoffee.ch"],
        )
        audience = services.create_audience(name="Commuters", pains=["slow queues at 8am"])
        brief = services.create_brief(
            title="Autumn blend",
            key_message="Our autumn blend is back",
            call_to_action="Try it on your way to work",
            audience=audience,
            channels=[channel],
        )
    return {"channel": channel, "audience": audience, "brief": brief}


def run_jobs(world, brand: str = "a") -> None:  # type: ignore[no-untyped-def]
    with in_brand(world, brand):
        for job_id in GenerationJob.objects.filter(status="queued").values_list("pk", flat=True):
            run_generation_job.fn(job_id)


# --- voice and audiences ------------------------------------------------------------------


def test_strategist_saves_voice_versions_and_fields_carry_over(world) -> None:
    strategist = client_for(world.a.person(Role.STRATEGIST))
    first = strategist.post(
        url(world, "voice/"),
        {"tone": ["warm", "playful"], "banned_phrases": ["cheap"], "locale": "en-GB"},
    )
    assert first.status_code == 201, first.json()
    assert first.json()["version"] == 1
    second = strategist.post(url(world, "voice/"), {"emoji_policy": "none"})
    assert second.json()["version"] == 2
    assert second.json()["tone"] == ["warm", "playful"]
    assert second.json()["emoji_policy"] == "none"

    current = client_for(world.a.person(Role.CLIENT_VIEWER)).get(url(world, "voice/"))
    assert current.json()["version"] == 2
    versions = strategist.get(url(world, "voice/versions/")).json()["results"]
    assert sorted(v["version"] for v in versions) == [1, 2]
    assert strategist.get(url(world, "voice/versions/1/")).json()["emoji_policy"] == "sparing"


def test_brand_without_a_voice_says_so(world) -> None:
    response = client_for(world.a.person(Role.COPYWRITER)).get(url(world, "voice/"))
    assert response.status_code == 404
    assert "no voice yet" in response.json()["errors"][0]["detail"]


def test_voice_disclosure_must_say_when_it_applies(world) -> None:
    response = client_for(world.a.person(Role.ACCOUNT_LEAD)).post(
        url(world, "voice/"), {"required_disclosures": [{"text": "#ad", "when": "sometimes"}]}
    )
    assert response.status_code == 400
    with in_brand(world):
        assert not BrandVoice.objects.exists()


def test_audience_crud_and_unique_names(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    body = {
        "name": "Students",
        "motivations": ["cheap study fuel"],
        "preferred_channels": ["tiktok"],
    }
    created = lead.post(url(world, "audiences/"), body)
    assert created.status_code == 201
    assert lead.post(url(world, "audiences/"), body).status_code == 409
    audience_id = created.json()["id"]
    patched = lead.patch(url(world, f"audiences/{audience_id}/"), {"pains": ["exam stress"]})
    assert patched.json()["pains"] == ["exam stress"]
    assert lead.delete(url(world, f"audiences/{audience_id}/")).status_code == 204


def test_audience_active_hours_must_be_time_ranges(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    bad = lead.post(
        url(world, "audiences/"), {"name": "Night owls", "active_hours": ["25:00-99:00"]}
    )
    assert bad.status_code == 400
    assert [e["attr"] for e in bad.json()["errors"]] == ["active_hours.0"]
    good = lead.post(
        url(world, "audiences/"),
        {"name": "Night owls", "active_hours": ["22:00-01:30", "07:00-08:00"]},
    )
    assert good.status_code == 201
    assert good.json()["active_hours"] == ["22:00-01:30", "07:00-08:00"]


# --- generation ---------------------------------------------------------------------------


def test_copywriter_gets_offline_drafts_for_a_brief(world, setup) -> None:
    copywriter = client_for(world.a.person(Role.COPYWRITER))
    brief = setup["brief"]

    response = copywriter.post(url(world, f"briefs/{brief.pk}/generate/"), {"variants": 3})
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "queued"
    assert job["inputs"]["variants"] == 3

    run_jobs(world)

    job = copywriter.get(url(world, f"jobs/{job['id']}/")).json()
    assert job["status"] == "succeeded"
    assert job["provider"] == "offline"
    assert len(job["drafts"]) == 3
    listed = copywriter.get(url(world, f"drafts/?brief={brief.pk}&status=ready")).json()["results"]
    assert len(listed) == 3
    texts = {d["text"] for d in listed}
    assert len(texts) == 3  # different variants
    for draft in listed:
        assert draft["offline_generated"] is True
        # A label, not a risk flag: the offline generator's drafts are not risky for it.
        assert "offline_generated" in draft["labels"]
        assert draft["flags"] == []
        assert draft["provider"] == "offline"
        assert draft["voice_version"] == 1
        assert draft["prompt_version"] == "v2"
        assert draft["audience"] == setup["audience"].pk
        assert draft["guardrail_violations"] == []
        assert "Our autumn blend is back" in draft["text"]
        assert "#AlpineCoffee" in draft["text"]
        assert draft["risk_score"] == 0


def test_brief_with_several_channels_needs_one_named(world, setup) -> None:
    with in_brand(world):
        linkedin = services.create_channel(network="linkedin", handle="alpine-coffee")
        setup["brief"].channels.add(linkedin)
    copywriter = client_for(world.a.person(Role.COPYWRITER))
    refused = copywriter.post(url(world, f"briefs/{setup['brief'].pk}/generate/"), {})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "channel"
    accepted = copywriter.post(
        url(world, f"briefs/{setup['brief'].pk}/generate/"), {"channel": linkedin.pk}
    )
    assert accepted.status_code == 202
    assert accepted.json()["channel"] == linkedin.pk


def test_one_call_asks_for_drafts_on_every_channel_of_the_brief(world, setup) -> None:
    with in_brand(world):
        linkedin = services.create_channel(network="linkedin", handle="alpine-coffee")
        setup["brief"].channels.add(linkedin)
    copywriter = client_for(world.a.person(Role.COPYWRITER))
    answer = copywriter.post(
        url(world, f"briefs/{setup['brief'].pk}/generate-all/"), {"variants": 2}, format="json"
    )
    assert answer.status_code == 202, answer.content
    created = answer.json()["jobs"]
    assert sorted(job["channel"] for job in created) == sorted([setup["channel"].pk, linkedin.pk])
    assert {job["status"] for job in created} == {"queued"}

    run_jobs(world)
    for job in created:
        drafts = copywriter.get(url(world, f"drafts/?job={job['id']}")).json()["results"]
        assert len(drafts) == 2
        assert {d["channel"] for d in drafts} == {job["channel"]}

    # Naming channels (twice is once) writes for those only.
    only = copywriter.post(
        url(world, f"briefs/{setup['brief'].pk}/generate-all/"),
        {"channels": [linkedin.pk, linkedin.pk]},
        format="json",
    )
    assert [job["channel"] for job in only.json()["jobs"]] == [linkedin.pk]


def test_asking_for_every_channel_names_bad_input_and_starts_nothing(world, setup) -> None:
    copywriter = client_for(world.a.person(Role.COPYWRITER))
    path = url(world, f"briefs/{setup['brief'].pk}/generate-all/")
    with in_brand(world):
        linkedin = services.create_channel(network="linkedin", handle="alpine-coffee")
        setup["brief"].channels.add(linkedin)
    with in_brand(world, "b"):
        theirs = services.create_channel(network="x", handle="bayside")
    unknown = copywriter.post(path, {"channels": [theirs.pk]}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["attr"] == "channels"
    too_many = copywriter.post(path, {"variants": 9}, format="json")
    assert too_many.json()["errors"][0]["attr"] == "variants"
    # Someone of the other brand, or a client viewer, starts nothing.
    assert client_for(world.b.person(Role.COPYWRITER)).post(path, {}).status_code == 404
    assert client_for(world.a.person(Role.CLIENT_VIEWER)).post(path, {}).status_code == 403
    with in_brand(world):
        assert not GenerationJob.objects.exists()


def test_community_manager_gets_replies_to_an_inbox_item(world, setup) -> None:
    manager = client_for(world.a.person(Role.COMMUNITY_MANAGER))
    item = manager.post(
        url(world, "inbox/"),
        {
            "channel": setup["channel"].pk,
            "author_handle": "jane_doe",
            "text": "Is the autumn blend decaf too?",
            "external_id": "x-123",
            "thread": [{"author": "bob", "text": "Same question"}],
        },
    )
    assert item.status_code == 201, item.json()
    response = manager.post(url(world, f"inbox/{item.json()['id']}/reply/"), {"variants": 2})
    assert response.status_code == 202
    run_jobs(world)
    replies = manager.get(url(world, f"drafts/?inbox_item={item.json()['id']}")).json()["results"]
    # One from the job the brand's policy started on ingestion, two asked for by hand.
    assert len(replies) == 3
    assert all(r["kind"] == "reply" and "@jane_doe" in r["text"] for r in replies)


def test_same_inbox_item_twice_is_a_conflict(world, setup) -> None:
    _key, secret = tenant_services.create_api_key(
        brand=world.a.brand, name="listener", scopes=[Scope.INGEST_INBOX]
    )
    integrator = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    body = {"author_handle": "bob", "text": "hi", "external_id": "ig-1"}
    assert integrator.post(url(world, "inbox/"), body).status_code == 201
    again = integrator.post(url(world, "inbox/"), body)
    assert again.status_code == 409
    assert again.json()["errors"][0]["attr"] == "external_id"


def test_regenerate_makes_the_next_version(world, setup) -> None:
    copywriter = client_for(world.a.person(Role.COPYWRITER))
    copywriter.post(url(world, f"briefs/{setup['brief'].pk}/generate/"), {})
    run_jobs(world)
    first = copywriter.get(url(world, "drafts/")).json()["results"][0]

    response = copywriter.post(
        url(world, f"drafts/{first['id']}/regenerate/"), {"instructions": "Shorter, please"}
    )
    assert response.status_code == 202
    assert response.json()["source_draft"] == first["id"]
    run_jobs(world)

    revision = copywriter.get(url(world, f"drafts/?parent={first['id']}")).json()["results"]
    assert len(revision) == 1
    assert revision[0]["version"] == 2
    assert revision[0]["status"] == "ready"
    again = copywriter.post(url(world, f"drafts/{first['id']}/regenerate/"), {})
    assert again.status_code == 409
    assert f"draft {revision[0]['id']}" in again.json()["errors"][0]["detail"]


def test_hand_edit_is_a_new_checked_version(world, setup) -> None:
    copywriter = client_for(world.a.person(Role.COPYWRITER))
    written = copywriter.post(
        url(world, "drafts/"),
        {"kind": "post", "text": "Autumn blend is back!", "channel": setup["channel"].pk},
    )
    assert written.status_code == 201
    assert written.json()["status"] == "ready"
    assert written.json()["provider"] == "human"

    edited = copywriter.post(
        url(world, f"drafts/{written.json()['id']}/edit/"),
        {"text": "Cheap autumn blend, 50% off at https://deals.example.com"},
    )
    assert edited.status_code == 201
    body = edited.json()
    assert (body["version"], body["parent"], body["status"]) == (2, written.json()["id"], "ready")
    assert {v["code"] for v in body["guardrail_violations"]} == {
        "banned_phrase",
        "link_not_allowed",
        "unlisted_offer",  # "50% off" is in neither the brief nor the voice
    }
    assert body["flags"] == ["guardrail_violations", "unsafe_output", "high_risk"]
    assert {r["code"] for r in body["risk_reasons"]} == {"price_claim", "unlisted_offer"}
    assert body["risk_score"] == 15 + 60
    original = copywriter.get(url(world, f"drafts/{written.json()['id']}/")).json()
    assert original["text"] == "Autumn blend is back!"

    stale = copywriter.post(url(world, f"drafts/{written.json()['id']}/edit/"), {"text": "x"})
    assert stale.status_code == 409

    third = copywriter.post(url(world, f"drafts/{body['id']}/edit/"), {"text": "Autumn is here."})
    history = copywriter.get(url(world, f"drafts/{body['id']}/versions/")).json()
    assert [d["version"] for d in history] == [1, 2, 3]
    assert [d["id"] for d in history] == [written.json()["id"], body["id"], third.json()["id"]]


def test_draft_in_review_cannot_be_deleted(world, setup) -> None:
    with in_brand(world):
        draft = Draft.objects.create(kind="post", text="Under review", status="in_review")
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    assert lead.delete(url(world, f"drafts/{draft.pk}/")).status_code == 409
    with in_brand(world):
        assert Draft.objects.filter(pk=draft.pk).exists()


def test_drafts_filter_by_status_channel_audience_and_risk(world, setup) -> None:
    with in_brand(world):
        linkedin = services.create_channel(network="linkedin", handle="alpine-coffee")
        calm = Draft.objects.create(
            kind="post", text="a", status="ready", channel=setup["channel"], risk_score=5
        )
        risky = Draft.objects.create(
            kind="post",
            text="b",
            status="ready",
            channel=linkedin,
            risk_score=80,
            audience=setup["audience"],
        )
        flagged = Draft.objects.create(
            kind="post", text="c", status="approved", risk_score=50, flags=["high_risk"]
        )
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))

    def ids(query: str) -> set[int]:
        return {d["id"] for d in viewer.get(url(world, f"drafts/?{query}")).json()["results"]}

    assert ids(f"channel={setup['channel'].pk}") == {calm.pk}
    assert ids(f"audience={setup['audience'].pk}") == {risky.pk}
    assert ids("risk_min=60") == {risky.pk}
    assert ids("status=ready&risk_max=10") == {calm.pk}
    assert ids("flag=high_risk") == {flagged.pk}


def test_an_integrator_syncs_only_the_drafts_changed_since_last_time(world, setup) -> None:
    with in_brand(world):
        old = Draft.objects.create(kind="post", text="old", status="ready")
        other = Draft.objects.create(kind="post", text="other", status="ready")
        Draft.objects.filter(pk__in=[old.pk, other.pk]).update(
            updated_at=timezone.now() - timedelta(hours=2)
        )
        checkpoint = timezone.now() - timedelta(hours=1)
        services.transition_draft(draft_id=old.pk, transition="send_to_review")
        new = Draft.objects.create(kind="post", text="new", status="ready")
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))
    response = viewer.get(
        url(world, "drafts/"),
        {"updated_after": checkpoint.isoformat(), "ordering": "updated_at"},
    )
    assert response.status_code == 200
    assert [d["id"] for d in response.json()["results"]] == [old.pk, new.pk]
    bad = viewer.get(url(world, "drafts/"), {"updated_after": "yesterday"})
    assert bad.status_code == 400
    assert [e["attr"] for e in bad.json()["errors"]] == ["updated_after"]


# --- budget and usage ---------------------------------------------------------------------


def test_generation_is_refused_with_402_past_the_monthly_budget(world, setup) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    assert (
        lead.patch(url(world, "assistant/settings/"), {"monthly_budget": "1.00"}).status_code == 200
    )
    with in_brand(world):
        GenerationJob.objects.create(
            kind="post", status="succeeded", cost_estimate=Decimal("1.00"), tokens_in=10
        )
    copywriter = client_for(world.a.person(Role.COPYWRITER))

    refused = copywriter.post(url(world, f"briefs/{setup['brief'].pk}/generate/"), {})

    assert refused.status_code == 402
    error = refused.json()["errors"][0]
    assert error["code"] == "ai_budget_exceeded"
    assert "monthly AI budget" in error["detail"]
    with in_brand(world):
        assert GenerationJob.objects.count() == 1
    usage = lead.get(url(world, "assistant/usage/")).json()
    assert usage["cost"] == "1.000000"
    assert usage["budget"] == "1.00"
    assert usage["remaining"] == "0.000000"
    assert usage["mode"] == "offline"

    lead.patch(url(world, "assistant/settings/"), {"monthly_budget": "5.00"})
    assert (
        copywriter.post(url(world, f"briefs/{setup['brief'].pk}/generate/"), {}).status_code == 202
    )


def test_last_months_spend_does_not_count(world, setup) -> None:
    with in_brand(world):
        services.update_assistant_settings(monthly_budget=Decimal("1.00"))
        old = GenerationJob.objects.create(kind="post", status="succeeded", cost_estimate=5)
        GenerationJob.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timezone.timedelta(days=40)
        )
    response = client_for(world.a.person(Role.COPYWRITER)).post(
        url(world, f"briefs/{setup['brief'].pk}/generate/"), {}
    )
    assert response.status_code == 202


def test_assistant_settings_keep_the_api_key_secret(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    response = lead.patch(
        url(world, "assistant/settings/"),
        {"api_key": "sk-brand-secret", "base_url": "https://93.184.216.34/v1"},
    )
    assert response.status_code == 200
    assert "api_key" not in response.json()
    assert response.json()["has_api_key"] is True
    assert "sk-brand-secret" not in lead.get(url(world, "assistant/settings/")).content.decode()
    assert lead.get(url(world, "assistant/usage/")).json()["mode"] == "openai"


# --- permissions --------------------------------------------------------------------------

MATRIX = [
    # (method, path, body, roles allowed)
    ("get", "drafts/", None, set(Role)),
    ("get", "jobs/", None, set(Role)),
    (
        "post",
        "voice/",
        {"tone": ["bold"]},
        {Role.AGENCY_ADMIN, Role.ACCOUNT_LEAD, Role.STRATEGIST},
    ),
    (
        "post",
        "audiences/",
        {"name": "Matrix {role}"},
        {Role.AGENCY_ADMIN, Role.ACCOUNT_LEAD, Role.STRATEGIST},
    ),
    (
        "post",
        "briefs/{brief}/generate/",
        {},
        {
            Role.AGENCY_ADMIN,
            Role.ACCOUNT_LEAD,
            Role.STRATEGIST,
            Role.COPYWRITER,
            Role.COMMUNITY_MANAGER,
        },
    ),
    (
        "post",
        "inbox/",
        {"author_handle": "bob", "text": "hi"},
        {
            Role.AGENCY_ADMIN,
            Role.ACCOUNT_LEAD,
            Role.STRATEGIST,
            Role.COPYWRITER,
            Role.COMMUNITY_MANAGER,
        },
    ),
    (
        "patch",
        "assistant/settings/",
        {"novelty_threshold": 70},
        {Role.AGENCY_ADMIN, Role.ACCOUNT_LEAD},
    ),
    (
        "get",
        "assistant/usage/",
        None,
        {
            Role.AGENCY_ADMIN,
            Role.ACCOUNT_LEAD,
            Role.STRATEGIST,
            Role.COPYWRITER,
            Role.COMMUNITY_MANAGER,
            Role.MEDIA_SPECIALIST,
            Role.ANALYST,
        },
    ),
]


def _counts(world) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    from content.models import AssistantSettings, AudienceProfile, InboxItem

    with in_brand(world):
        return (
            BrandVoice.objects.count(),
            AudienceProfile.objects.count(),
            GenerationJob.objects.count(),
            InboxItem.objects.count(),
            AssistantSettings.objects.filter(novelty_threshold=70).count(),
        )


@pytest.mark.parametrize(("method", "path", "body", "allowed"), MATRIX)
def test_permission_matrix(world, setup, method, path, body, allowed) -> None:  # type: ignore[no-untyped-def]
    path = path.format(brief=setup["brief"].pk)
    for role in Role:
        before = _counts(world)
        client = client_for(world.a.person(role))
        data = {
            k: v.format(role=role) if isinstance(v, str) else v for k, v in (body or {}).items()
        }
        response = getattr(client, method)(url(world, path), data if body is not None else None)
        if role in allowed:
            assert response.status_code in (200, 201, 202), (role, response.json())
        else:
            assert response.status_code == 403, (role, response.status_code)
            assert _counts(world) == before, role
    # A member of the other brand learns nothing and changes nothing.
    before = _counts(world)
    outsider = client_for(world.b.person(Role.ACCOUNT_LEAD))
    assert getattr(outsider, method)(url(world, path), body).status_code == 404
    assert _counts(world) == before


def test_api_key_needs_the_write_content_scope_to_generate(world, setup) -> None:
    _key, read_only = tenant_services.create_api_key(
        brand=world.a.brand, name="reader", scopes=[Scope.READ]
    )
    _key, writer = tenant_services.create_api_key(
        brand=world.a.brand, name="writer", scopes=[Scope.WRITE_CONTENT]
    )
    path = url(world, f"briefs/{setup['brief'].pk}/generate/")
    refused = APIClient(HTTP_AUTHORIZATION=f"Api-Key {read_only}").post(path, {})
    assert refused.status_code == 403
    with in_brand(world):
        assert not GenerationJob.objects.exists()
    accepted = APIClient(HTTP_AUTHORIZATION=f"Api-Key {writer}").post(path, {})
    assert accepted.status_code == 202
    assert accepted.json()["created_by"] is None


def test_other_brands_drafts_and_jobs_are_invisible(world, setup) -> None:
    with in_brand(world):
        draft = Draft.objects.create(kind="post", text="Alpine secret", status="ready")
        job = GenerationJob.objects.create(kind="post")
    outsider = client_for(world.b.person(Role.COPYWRITER))
    assert outsider.get(url(world, f"drafts/{draft.pk}/")).status_code == 404
    assert outsider.get(url(world, f"jobs/{job.pk}/")).status_code == 404
    own = outsider.get(url(world, "drafts/", brand="b")).json()["results"]
    assert own == []


def test_agency_admin_sees_ai_usage_across_brands(world) -> None:
    with in_brand(world, "a"):
        GenerationJob.objects.create(kind="post", tokens_in=1000, cost_estimate=Decimal("0.25"))
    with in_brand(world, "b"):
        GenerationJob.objects.create(kind="reply", tokens_out=500, cost_estimate=Decimal("0.50"))
    path = f"/api/v1/agencies/{world.agency.slug}/ai-usage/"

    response = client_for(world.admin).get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["jobs"] == 2
    assert body["cost"] == "0.750000"
    assert {b["brand"]: b["cost"] for b in body["brands"]} == {
        world.a.brand.slug: "0.250000",
        world.b.brand.slug: "0.500000",
    }
    # Brand staff are not agency admins: they learn nothing.
    assert client_for(world.a.person(Role.ACCOUNT_LEAD)).get(path).status_code == 404


def test_lists_do_not_query_per_row(world, setup, django_assert_max_num_queries) -> None:
    with in_brand(world):
        for n in range(15):
            job = GenerationJob.objects.create(kind="post")
            Draft.objects.create(kind="post", text=f"draft {n}", job=job, channel=setup["channel"])
            services.create_brief(title=f"b{n}", key_message="m", channels=[setup["channel"]])
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))
    for path in ["drafts/", "jobs/", "briefs/", "inbox/", "audiences/"]:
        # auth + membership + brand routing + page query + prefetches, never one per row
        with django_assert_max_num_queries(12):
            assert viewer.get(url(world, path)).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    # Past PostgreSQL's integer range these were a 500 (max_length=9193796792949).
    [("max_length", 9193796792949), ("max_length", 200_001), ("max_hashtags", 101)],
)
def test_channel_limits_past_their_bounds_are_a_400_naming_the_field(
    world, field: str, value: int
) -> None:
    admin = client_for(world.admin)
    body = {"network": "x", "handle": "bounded", field: value}
    response = admin.post(url(world, "channels/"), body)
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [field]
    listed = admin.get(url(world, "channels/")).json()["results"]
    assert not any(c["handle"] == "bounded" for c in listed)


def test_a_channel_handle_is_one_account_whatever_its_at_sign_or_case(world, setup) -> None:
    """Brand A has x/alpinecoffee (setup). Networks treat handles case-insensitively."""
    admin = client_for(world.admin)
    other = admin.post(url(world, "channels/"), {"network": "x", "handle": "alpinebeans"})
    assert other.status_code == 201
    for handle in ["@alpinecoffee", "AlpineCoffee", " @ALPINECOFFEE"]:
        clash = admin.patch(url(world, f"channels/{other.json()['id']}/"), {"handle": handle})
        assert clash.status_code == 409, handle
        assert [e["attr"] for e in clash.json()["errors"]] == ["handle"]
        created = admin.post(url(world, "channels/"), {"network": "x", "handle": handle})
        assert created.status_code == 409, handle
    renamed = admin.patch(url(world, f"channels/{other.json()['id']}/"), {"handle": "@alpine_b"})
    assert renamed.status_code == 200
    assert renamed.json()["handle"] == "alpine_b"
    handles = sorted(c["handle"] for c in admin.get(url(world, "channels/")).json()["results"])
    assert handles == ["alpine_b", "alpinecoffee"]


def test_inbox_received_after_with_an_offset_postgres_cannot_store_is_a_400(world) -> None:
    response = client_for(world.admin).get(
        url(world, "inbox/"), {"received_after": "4728-04-02T10:00:34+20:00"}
    )
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["received_after"]
