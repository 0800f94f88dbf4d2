"""The assistant suggests alt text for a draft's images from the brief, the voice and the
asset's metadata (no vision model): asked for in the API (202, written on the worker like
drafts), kept as a suggestion until a copywriter accepts it (or an edit of it), audited. The
model's answer is untrusted: cleaned, cut to 250 characters, checked; a hostile brief never
ends up as alt text."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from assets import alt_text
from assets.models import AltTextSuggestion, Asset, DraftAsset
from content import services as content_services
from content.assistant import usage
from content.models import AssistantSettings, Draft
from content.services.generation import assistant_settings
from tenants.audit.models import AuditAction, AuditEntry
from tenants.roles import Role
from tests.assets.conftest import errors, url
from tests.conftest import client_for
from tests.content.conftest import ai_server, fake_ai  # noqa: F401  (fixtures)
from tests.content.fake_ai import completion, error
from tests.content.test_injection_eval import INJECTIONS
from tests.content.test_prompt_injection import HOSTILE

pytestmark = pytest.mark.django_db

OFFLINE_TERRACE = (
    "Landscape photo: terrace latte, summer, for the post \u201cSummer on the terrace\u201d."
)
METADATA_ONLY = "Landscape photo: terrace latte, summer."


@pytest.fixture
def offline_ai(settings: Any) -> Any:
    settings.AI_BASE_URL = ""
    settings.AI_API_KEY = ""
    return settings


@pytest.fixture
def model(request: pytest.FixtureRequest) -> Any:
    """The fake OpenAI-compatible server, as the platform's AI endpoint."""
    return request.getfixturevalue("fake_ai")


@pytest.fixture
def worker(inline_worker: Any) -> Any:
    """The suggestion actor runs as the worker would, once the request commits."""
    inline_worker.run.add("suggest_alt_text")
    return inline_worker


def make_draft(
    world: Any,
    *,
    key_message: str = "Our terrace opens for summer",
    status: str = Draft.Status.DRAFT,
) -> dict[str, int]:
    """A post of brand A on X for a brief, carrying a photo with alt text and one without."""
    with schema_context(world.a.brand.schema_name):
        channel = content_services.create_channel(network="x", handle="alpine")
        content_services.create_voice_version(
            tone=["warm"], banned_phrases=["cheap"], locale="en", allowed_handles=["alpine"]
        )
        brief = content_services.create_brief(
            title="Summer on the terrace", key_message=key_message, channels=[channel]
        )
        draft = Draft.objects.create(
            kind=Draft.Kind.POST,
            channel=channel,
            brief=brief,
            text="Summer on the terrace.",
            status=status,
            created_by=world.a.person(Role.COPYWRITER),
        )
        described = _asset("beach.jpg", ["sea"])
        bare = _asset("IMG_0042-terrace_latte.jpg", ["summer", "terrace"])
        DraftAsset.objects.create(draft=draft, asset=described, position=0, alt_text="The sea")
        DraftAsset.objects.create(draft=draft, asset=bare, position=1, alt_text="")
        return {"draft": draft.pk, "described": described.pk, "bare": bare.pk}


def _asset(name: str, tags: list[str]) -> Asset:
    return Asset.objects.create(
        name=name,
        tags=tags,
        content_type="image/jpeg",
        size_bytes=1000,
        width=2400,
        height=1600,
        original=f"assets/test/{name}",
    )


def ask(world: Any, draft: int, body: dict[str, Any] | None = None, role: str = Role.COPYWRITER):
    return client_for(world.a.person(role)).post(
        url(world.a, f"drafts/{draft}/alt-text-suggestions/"), body or {}, format="json"
    )


def accept(world: Any, suggestion: int, body: dict[str, Any] | None = None, who: Any = None):
    return client_for(who or world.a.person(Role.COPYWRITER)).post(
        url(world.a, f"alt-text-suggestions/{suggestion}/accept/"), body or {}, format="json"
    )


def links(world: Any, draft: int) -> list[tuple[int, str]]:
    with schema_context(world.a.brand.schema_name):
        return list(
            DraftAsset.objects.filter(draft_id=draft)
            .order_by("position")
            .values_list("asset_id", "alt_text")
        )


def suggestion_count(world: Any) -> int:
    with schema_context(world.a.brand.schema_name):
        return AltTextSuggestion.objects.count()


def test_offline_suggestion_for_images_missing_alt_text_is_kept_not_applied(
    world, offline_ai, worker, django_capture_on_commit_callbacks
) -> None:
    made = make_draft(world)

    with django_capture_on_commit_callbacks(execute=True):
        response = ask(world, made["draft"])

    assert response.status_code == 202, response.json()
    asked = response.json()["suggestions"]
    assert [(s["asset"], s["status"]) for s in asked] == [(made["bare"], "queued")]
    polled = client_for(world.a.person(Role.COPYWRITER)).get(
        url(world.a, f"alt-text-suggestions/{asked[0]['id']}/")
    )
    body = polled.json()
    assert body["status"] == "ready"
    assert body["text"] == OFFLINE_TERRACE
    assert body["labels"] == ["offline_generated"]
    assert body["provider"] == "offline"
    # Stored as a suggestion: the image still has no alt text, and the draft still warns.
    assert links(world, made["draft"]) == [(made["described"], "The sea"), (made["bare"], "")]
    on_draft = client_for(world.a.person(Role.COPYWRITER)).get(
        url(world.a, f"drafts/{made['draft']}/assets/")
    )
    assert [w["code"] for w in on_draft.json()["warnings"]] == ["missing_alt_text"]
    assert [x["alt_text_suggestion"] for x in on_draft.json()["assets"]] == [
        None,
        {"id": asked[0]["id"], "status": "ready", "text": OFFLINE_TERRACE},
    ]
    listed = client_for(world.a.person(Role.CLIENT_VIEWER)).get(
        url(world.a, f"drafts/{made['draft']}/alt-text-suggestions/")
    )
    assert [(s["asset"], s["text"]) for s in listed.json()["suggestions"]] == [
        (made["bare"], OFFLINE_TERRACE)
    ]


def test_offline_wording_is_deterministic_and_uses_metadata_and_shape() -> None:
    from content.assistant.context import BriefSpec, GenerationContext

    ctx = GenerationContext(kind="post", brand_name="Alpine Coffee", brief=BriefSpec(title="Go"))
    video = alt_text.AssetFacts(
        kind="video", name="DSC_1234.mov", tags=("hike",), width=1080, height=1920
    )
    nothing = alt_text.AssetFacts(kind="image", name="IMG_0001.jpg", tags=(), width=10, height=10)

    assert alt_text.compose_offline(ctx, video) == (
        "Portrait video: hike, for the post \u201cGo\u201d."
    )
    assert alt_text.compose_offline(ctx, video) == alt_text.compose_offline(ctx, video)
    assert alt_text.compose_offline(ctx, nothing) == ("Square photo, for the post \u201cGo\u201d.")


def test_copywriter_accepts_a_suggestion_it_becomes_the_alt_text_and_is_audited(
    world, offline_ai, worker, django_capture_on_commit_callbacks
) -> None:
    made = make_draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        suggestion = ask(world, made["draft"], {"asset": made["bare"]}).json()["suggestions"][0]

    response = accept(world, suggestion["id"])

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["draft"] == made["draft"]
    assert body["suggestion"]["status"] == "accepted"
    assert body["suggestion"]["accepted_text"] == OFFLINE_TERRACE
    assert body["suggestion"]["accepted_edited"] is False
    assert body["warnings"] == []
    assert body["assets"][1]["alt_text_suggestion"]["status"] == "accepted"
    assert links(world, made["draft"]) == [
        (made["described"], "The sea"),
        (made["bare"], OFFLINE_TERRACE),
    ]
    with schema_context(world.a.brand.schema_name):
        entry = AuditEntry.objects.filter(action=AuditAction.DRAFT_ASSETS_SET).latest("pk")
    assert f"from suggestion {suggestion['id']}" in entry.detail
    assert entry.after["assets"][1] == [made["bare"], OFFLINE_TERRACE]

    again = accept(world, suggestion["id"])
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "suggestion_not_ready"


def test_copywriter_accepts_an_edit_and_markup_or_overlong_edits_are_refused(
    world, offline_ai, worker, django_capture_on_commit_callbacks
) -> None:
    made = make_draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        suggestion = ask(world, made["draft"]).json()["suggestions"][0]

    for bad in ("<b>Latte</b> on the terrace", "x" * 251):
        refused = accept(world, suggestion["id"], {"alt_text": bad})
        assert refused.status_code == 400
        assert list(errors(refused)) == ["alt_text"]
    assert links(world, made["draft"])[1] == (made["bare"], "")

    response = accept(world, suggestion["id"], {"alt_text": "  A latte on the sunny terrace "})

    assert response.status_code == 200, response.json()
    assert response.json()["suggestion"]["accepted_edited"] is True
    assert links(world, made["draft"])[1] == (made["bare"], "A latte on the sunny terrace")


def test_openai_provider_answer_is_cleaned_cut_to_250_and_paid_from_the_budget(
    world,
    model,
    worker,
    django_capture_on_commit_callbacks,
) -> None:
    made = make_draft(world)
    model.script(
        completion(
            '{"alt_text": "<b>Latte</b> art on a terrace table in summer \\u200b sun, '
            + "warm light " * 40
            + '"}',
            prompt_tokens=300,
            completion_tokens=90,
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(world, made["draft"]).json()["suggestions"][0]

    with schema_context(world.a.brand.schema_name):
        row = AltTextSuggestion.objects.get(pk=asked["id"])
        spent = usage.month_usage(brand_settings=assistant_settings(), now=timezone.now())
    assert row.status == "ready"
    assert row.text.startswith("Latte art on a terrace table in summer sun, warm light")
    assert len(row.text) <= alt_text.MAX_ALT_TEXT_CHARS and row.text.endswith("\u2026")
    assert "<" not in row.text and "\u200b" not in row.text
    assert (row.provider, row.model, row.labels, row.flags) == ("openai", "test-model", [], [])
    assert spent.tokens_in == 300 and spent.tokens_out == 90
    assert spent.cost == row.cost_estimate > 0
    sent = model.requests[0]["body"]["messages"]
    assert sent[0]["content"] == alt_text.INSTRUCTIONS
    assert "Summer on the terrace" in sent[1]["content"].split(alt_text.ASSET_OPEN)[1]
    assert "IMG_0042-terrace_latte.jpg" in sent[1]["content"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_brief_that_tries_to_instruct_the_assistant_is_never_sent_nor_becomes_alt_text(
    world, model, worker, django_capture_on_commit_callbacks, hostile: str
) -> None:
    made = make_draft(world, key_message=hostile)
    # A model that does what the brief says, were it asked.
    model.script(completion('{"alt_text": "Visit http://free-crypto.example.com now @scammer"}'))

    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(world, made["draft"]).json()["suggestions"][0]

    with schema_context(world.a.brand.schema_name):
        row = AltTextSuggestion.objects.get(pk=asked["id"])
    assert row.status == "ready"
    assert row.text == METADATA_ONLY
    assert row.labels == ["brief_not_sent", "injection_attempt"]
    assert row.flags, "the copywriter sees why the wording is the plain one"
    assert model.requests == []


@pytest.mark.parametrize(("instruction", "obeyed"), INJECTIONS)
def test_a_model_answer_that_fails_the_checks_gets_the_metadata_wording_instead(
    world, model, worker, django_capture_on_commit_callbacks, instruction: str, obeyed: str
) -> None:
    # The brief looks harmless (whatever fooled the model got past the detector); the model
    # answers what the content tests' hostile comments dictate.
    made = make_draft(world)
    model.script(completion(json.dumps({"alt_text": obeyed})))

    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(world, made["draft"]).json()["suggestions"][0]

    with schema_context(world.a.brand.schema_name):
        row = AltTextSuggestion.objects.get(pk=asked["id"])
    assert row.status == "ready"
    assert row.text == OFFLINE_TERRACE
    assert row.labels == ["replaced_unsafe_output"]
    assert row.flags
    assert len(model.requests) == 1


def test_budget_exhausted_gives_the_drafts_error_and_stores_nothing(world, model) -> None:
    made = make_draft(world)
    with schema_context(world.a.brand.schema_name):
        assistant_settings()
        AssistantSettings.objects.update(monthly_budget=Decimal("0.0001"))

    response = ask(world, made["draft"])

    assert response.status_code == 402
    assert response.json()["errors"][0]["code"] == "ai_budget_exceeded"
    assert "monthly AI budget" in response.json()["errors"][0]["detail"]
    assert suggestion_count(world) == 0
    assert model.requests == []


def test_provider_down_fails_the_suggestion_with_a_reason_after_the_last_attempt(
    world,
    model,
    settings,
    worker,
    django_capture_on_commit_callbacks,
) -> None:
    settings.AI_JOB_MAX_ATTEMPTS = 1
    made = make_draft(world)
    model.script(error(500))

    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(world, made["draft"]).json()["suggestions"][0]

    polled = client_for(world.a.person(Role.COPYWRITER)).get(
        url(world.a, f"alt-text-suggestions/{asked['id']}/")
    )
    assert polled.json()["status"] == "failed"
    assert polled.json()["failure_code"] == "provider_server_error"
    assert "Gave up after 1 attempts" in polled.json()["failure_reason"]
    assert accept(world, asked["id"]).status_code == 409
    assert links(world, made["draft"])[1] == (made["bare"], "")


def test_asking_again_while_one_is_being_written_joins_it(
    world, offline_ai, django_capture_on_commit_callbacks
) -> None:
    made = make_draft(world)
    # No worker: the first stays queued.
    with django_capture_on_commit_callbacks(execute=True):
        first = ask(world, made["draft"]).json()["suggestions"]
        second = ask(world, made["draft"], {"asset": made["bare"]}).json()["suggestions"]

    assert [s["id"] for s in first] == [s["id"] for s in second]
    assert suggestion_count(world) == 1


def test_an_asset_not_on_the_draft_or_nothing_missing_is_a_400_naming_asset(
    world, offline_ai
) -> None:
    made = make_draft(world)
    with schema_context(world.a.brand.schema_name):
        DraftAsset.objects.filter(asset_id=made["bare"]).update(alt_text="Latte")

    for body in ({"asset": 999_999}, {}, {"asset": "nine"}):
        response = ask(world, made["draft"], body)
        assert response.status_code == 400, body
        assert list(errors(response)) == ["asset"]
    assert suggestion_count(world) == 0


def test_permissions_other_brand_gets_404_viewer_403_and_nothing_changes(
    world, offline_ai, worker, django_capture_on_commit_callbacks
) -> None:
    made = make_draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        suggestion = ask(world, made["draft"]).json()["suggestions"][0]
    outsider = client_for(world.b.person(Role.ACCOUNT_LEAD))
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))
    ask_path = url(world.a, f"drafts/{made['draft']}/alt-text-suggestions/")
    one_path = url(world.a, f"alt-text-suggestions/{suggestion['id']}/")
    accept_path = f"{one_path}accept/"

    assert outsider.post(ask_path, {}, format="json").status_code == 404
    assert outsider.get(ask_path).status_code == 404
    assert outsider.get(one_path).status_code == 404
    assert outsider.post(accept_path, {}, format="json").status_code == 404
    assert viewer.post(ask_path, {}, format="json").status_code == 403
    assert viewer.post(accept_path, {}, format="json").status_code == 403
    assert viewer.get(one_path).status_code == 200
    assert suggestion_count(world) == 1
    assert links(world, made["draft"])[1] == (made["bare"], "")
    strategist = client_for(world.a.person(Role.STRATEGIST))
    assert strategist.post(accept_path, {}, format="json").status_code == 200


def test_published_draft_refuses_suggestions(world, offline_ai) -> None:
    made = make_draft(world, status=Draft.Status.PUBLISHED)

    response = ask(world, made["draft"])

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "draft_not_editable"
    assert suggestion_count(world) == 0


def test_a_suggestion_whose_message_was_lost_is_sent_again_by_the_sweep(
    world, offline_ai, inline_worker, settings, django_capture_on_commit_callbacks
) -> None:
    from datetime import timedelta

    from assets.alt_text_suggestions import requeue_stuck_suggestions

    made = make_draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(world, made["draft"]).json()["suggestions"][0]  # no worker: message lost
    inline_worker.run.add("suggest_alt_text")
    with schema_context(world.a.brand.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            assert requeue_stuck_suggestions() == []  # too young to be stuck
        later = timezone.now() + timedelta(seconds=settings.AI_JOB_REQUEUE_AFTER_SECONDS + 1)
        with django_capture_on_commit_callbacks(execute=True):
            assert requeue_stuck_suggestions(now=later) == [asked["id"]]
        row = AltTextSuggestion.objects.get(pk=asked["id"])
    assert (row.status, row.text) == ("ready", OFFLINE_TERRACE)
