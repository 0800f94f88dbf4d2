"""Crisis early warning: a spike of negative signals against the brand's baseline suggests a
severity with its evidence to the person on duty, who confirms it (an incident opens) or
dismisses it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals.models import CrisisState, Incident
from listening.models import CrisisWarning, Signal
from listening.services.crisis import watch_for_crisis
from listening.severity import Evidence, suggest_severity
from outbox.notifications import EMAIL
from tenants.roles import Role, Scope
from tests.conftest import announced, client_for
from tests.integrations.conftest import key_client
from tests.listening.conftest import send, signal, url


def evidence(negative: int, z: float, sources: int = 1, reach: float = 0) -> Evidence:
    return Evidence(
        window_minutes=60,
        negative=negative,
        baseline_mean=0,
        baseline_std=0,
        z_score=z,
        sources=[f"s{n}" for n in range(sources)],
        reach=reach,
    )


@pytest.mark.parametrize(
    ("given", "severity"),
    [
        (evidence(4, 50), 0),  # a handful is never a crisis
        (evidence(20, 2.9), 0),  # a busy brand's usual day
        (evidence(8, 3), 1),
        (evidence(8, 6), 2),
        (evidence(30, 12), 3),
        (evidence(30, 12, sources=3), 4),
        (evidence(30, 12, sources=4, reach=250_000), 5),
        (evidence(8, 3, reach=100_000), 2),
    ],
)
def test_suggested_severity_grows_with_the_spike_its_spread_and_reach(given, severity) -> None:
    assert suggest_severity(given) == severity


def storm(n: int, *, sources: tuple[str, ...] = ("x",), reach: int = 0, start: int = 0) -> list:
    at = timezone.now() - timedelta(minutes=10)
    return [
        signal(
            f"neg-{start + i}",
            at,
            source=sources[i % len(sources)],
            sentiment=-0.8,
            text="You ruined my morning, see you in court",
            attributes={"reach": reach} if reach else {},
        )
        for i in range(n)
    ]


def watch(bw) -> CrisisWarning | None:
    with schema_context(bw.brand.schema_name):
        return watch_for_crisis(brand=bw.brand, now=timezone.now())


def warnings(bw) -> list[tuple]:
    with schema_context(bw.brand.schema_name):
        return list(CrisisWarning.objects.order_by("pk").values_list("severity", "status"))


def emails(bw) -> list[tuple[str, str]]:
    with schema_context(bw.brand.schema_name):
        return [(e["to"], e["subject"]) for e in announced(EMAIL)]


@pytest.mark.django_db
def test_a_storm_on_a_quiet_brand_warns_the_leads_with_the_evidence(world) -> None:
    a = world.a
    send(a, storm(8, sources=("x", "instagram", "tiktok"), reach=20_000))

    warning = watch(a)

    assert warning is not None
    # z 8 over a silent baseline (2), three sources (+1), 160,000 reached (+1).
    assert (warning.severity, warning.status) == (4, "open")
    assert warning.evidence["negative"] == 8
    assert warning.evidence["sources"] == ["instagram", "tiktok", "x"]
    assert warning.evidence["reach"] == 160_000
    # Nobody is on the rota: the leads hear of it.
    told = emails(a)
    assert {to for to, _ in told} == {
        a.person(Role.AGENCY_ADMIN).email,
        a.person(Role.ACCOUNT_LEAD).email,
    }
    assert all("severity 4 suggested" in subject for _, subject in told)


@pytest.mark.django_db
def test_the_same_spike_warns_once_and_a_bigger_one_raises_the_warning(world) -> None:
    a = world.a
    send(a, storm(8))
    first = watch(a)
    again = watch(a)
    send(a, storm(8, start=8, sources=("instagram", "tiktok", "x")))

    raised = watch(a)

    assert first is not None and again is None
    assert raised is not None and raised.pk == first.pk
    assert warnings(a) == [(4, "open")]
    assert len(emails(a)) == 4  # two leads, told twice


@pytest.mark.django_db
def test_a_brand_used_to_complaints_gets_no_warning_for_a_usual_hour(world) -> None:
    a = world.a
    now = timezone.now()
    with schema_context(a.brand.schema_name):
        Signal.objects.bulk_create(
            Signal(
                kind="mention",
                source="x",
                external_id=f"usual-{h}-{n}",
                sentiment=-0.5,
                observed_at=now - timedelta(hours=h, minutes=30),
            )
            for h in range(1, 28 * 24)
            for n in range(10)
        )
    send(a, storm(12))

    assert watch(a) is None
    assert warnings(a) == []


@pytest.mark.django_db
def test_new_signals_make_the_worker_watch_for_a_crisis(
    world, inline_worker, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    with django_capture_on_commit_callbacks(execute=True):
        send(a, storm(8))

    kept = [m for m in inline_worker.kept if m.actor_name == "watch_brand_for_crisis"]
    assert len(kept) == 1
    from listening.tasks import watch_brand_for_crisis

    with schema_context(kept[0].options["brand_schema"]):
        watch_brand_for_crisis.fn()
    assert warnings(a) == [(2, "open")]


@pytest.mark.django_db
def test_the_lead_confirms_and_an_incident_opens_at_that_severity(world) -> None:
    a = world.a
    send(a, storm(8))
    warning = watch(a)
    lead = client_for(a.person(Role.ACCOUNT_LEAD))

    confirmed = lead.post(url(a, f"crisis-warnings/{warning.pk}/confirm/"), {"severity": 4})
    twice = lead.post(url(a, f"crisis-warnings/{warning.pk}/confirm/"), {})

    assert confirmed.status_code == 200, confirmed.json()
    body = confirmed.json()
    assert (body["status"], body["decided_by"]) == ("confirmed", a.person(Role.ACCOUNT_LEAD).pk)
    with schema_context(a.brand.schema_name):
        incident = Incident.objects.get()
        assert (incident.pk, incident.severity) == (body["incident"], 4)
        assert incident.owner_id == a.person(Role.ACCOUNT_LEAD).pk
        # At the default threshold (3) the brand is in crisis mode now.
        assert CrisisState.objects.get().active is True
    assert twice.status_code == 409
    # In crisis, the watch stays quiet: the incident is the place now.
    assert watch(a) is None


@pytest.mark.django_db
def test_a_dismissed_warning_keeps_the_same_spike_quiet(world) -> None:
    a = world.a
    send(a, storm(8))
    warning = watch(a)

    dismissed = client_for(a.person(Role.CLIENT_PR)).post(
        url(a, f"crisis-warnings/{warning.pk}/dismiss/")
    )

    assert dismissed.status_code == 200, dismissed.json()
    assert watch(a) is None
    assert warnings(a) == [(2, "dismissed")]
    with schema_context(a.brand.schema_name):
        assert not Incident.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [(Role.COPYWRITER, 403), (Role.CLIENT_VIEWER, 403), ("read_key", 403), ("other", 404)],
)
def test_who_may_not_decide_a_warning(world, who, status) -> None:
    a, b = world.a, world.b
    send(a, storm(8))
    warning = watch(a)
    if who == "read_key":
        client = key_client(a.brand, [Scope.READ])
    elif who == "other":
        client = client_for(b.person(Role.ACCOUNT_LEAD))
    else:
        client = client_for(a.person(who))

    confirm = client.post(url(a, f"crisis-warnings/{warning.pk}/confirm/"), {})
    dismiss = client.post(url(a, f"crisis-warnings/{warning.pk}/dismiss/"))

    assert (confirm.status_code, dismiss.status_code) == (status, status)
    assert warnings(a) == [(2, "open")]
    listed = client_for(a.person(Role.CLIENT_VIEWER)).get(url(a, "crisis-warnings/"))
    assert [w["severity"] for w in listed.json()["results"]] == [2]
