"""Issue 14.15: separate queues (AI jobs, webhook deliveries, housekeeping, the rest), each
consumed by worker threads of its own in every way the product runs; and actors are named
apart from the services they call (issue 12 §2)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re

import dramatiq
from django.apps import apps

from brandroom.queues import QUEUE_AI, QUEUE_HOUSEKEEPING, QUEUE_WEBHOOKS, QUEUES
from tests.tenants.test_worker_context import ROOT


def _actors() -> list[dramatiq.Actor]:
    """Every actor, with each app's tasks module loaded as the worker loads them."""
    for config in apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.tasks") is not None:
            importlib.import_module(f"{config.name}.tasks")
    broker = dramatiq.get_broker()
    return [broker.get_actor(name) for name in sorted(broker.get_declared_actors())]


def test_every_actor_uses_a_known_queue_and_the_bursty_ones_have_their_own() -> None:
    queue_of = {actor.actor_name: actor.queue_name for actor in _actors()}
    assert set(queue_of.values()) <= set(QUEUES), queue_of
    assert queue_of["run_generation_job"] == QUEUE_AI
    assert queue_of["deliver_webhook"] == QUEUE_WEBHOOKS
    for sweep in ("sweep_approval_deadlines", "reconcile_flows_everywhere", "prune_brand_events"):
        assert queue_of[sweep] == QUEUE_HOUSEKEEPING


def test_procfile_workers_consume_every_queue_each_with_its_own_threads() -> None:
    procfile = (ROOT / "platform" / "Procfile").read_text()
    workers = [line for line in procfile.splitlines() if "rundramatiq" in line]
    consumed = [re.search(r"--queues (.+)$", line).group(1).split() for line in workers]
    assert sorted(q for queues in consumed for q in queues) == sorted(QUEUES)
    assert all("--threads" in line for line in workers)


def test_no_actor_shares_its_name_with_a_service() -> None:
    service_names: set[str] = set()
    for config in apps.get_app_configs():
        for module_name in (f"{config.name}.services",):
            if importlib.util.find_spec(config.name) is None:
                continue
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            modules = [module]
            if hasattr(module, "__path__"):
                modules += [
                    importlib.import_module(f"{module_name}.{info.name}")
                    for info in pkgutil.iter_modules(module.__path__)
                ]
            for each in modules:
                service_names |= {n for n, f in inspect.getmembers(each, inspect.isfunction)}
    clashes = {actor.actor_name for actor in _actors()} & service_names
    assert not clashes
