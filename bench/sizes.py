"""How big each benchmark runs: the issue's sizes, and tiny ones for a smoke run."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Sizes:
    brands: int  # brands present while measuring (issue: 1,000)
    create_samples: int  # brands created and timed, cloned
    create_samples_plain: int  # brands created and timed with plain migrations
    routing_rows: int  # channels served by the routing comparison (one page)
    routing_rounds: int  # request pairs (brand route, baseline) timed in-process
    drafts_rows: int  # drafts in the big brand (issue: 10,000)
    drafts_small_rows: int  # drafts in the small brand, for queries-per-request
    single_client_requests: int
    concurrent_clients: int
    requests_per_client: int
    http_seconds_cap: float  # every HTTP loop stops after this long, whatever the count
    migrate_variants: tuple[str, ...]  # executors timed with nothing to apply
    migrate_new_variants: tuple[str, ...]  # executors timed applying one new migration
    subprocess_children: int  # children timed to project the subprocess executor
    sweep_open_steps: int  # open approval steps per brand (issue: 100)
    sweep_due_per_brand: int  # of which due at the sweep's ``now`` (issue: 1 %)
    ai_direct_jobs: int  # jobs run in-process against the zero-latency model
    ai_worker_jobs: int  # jobs through a real rundramatiq worker, model with latency
    ai_worker_threads: int
    ai_model_latency_s: float
    # Results and KPIs (issue 16): a year of daily snapshots for many posts on many channels.
    results_posts: int = 5000
    results_days: int = 365
    results_channels: int = 10
    results_ingest_snapshots: int = 100_000
    results_samples: int = 15
    # The attention cockpit (issue 19): rollup rows per brand, timed requests.
    cockpit_rows_per_brand: int = 5
    cockpit_samples: int = 30
    # Listening (issue 18): signals ingested through the batch endpoint (and a time cap after
    # which the rate is projected), a year of signals for the aggregate, timed aggregate
    # requests, rules per brand and the share of brands with new inputs in a cycle.
    listening_ingest_signals: int = 1_000_000
    listening_ingest_seconds_cap: float = 300.0
    listening_year_signals: int = 1_000_000
    listening_samples: int = 40
    listening_rules_per_brand: int = 10
    listening_changed_percent: float = 1.0
    listening_cycles: int = 3
    # The monthly roll (issue 17): brands with a plan rolled one month on, and a time cap on
    # bulk-filling them (the roll is measured over what was filled and projected to the size).
    plan_roll_brands: int = 1000
    plan_roll_fill_seconds_cap: float = 600.0

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["migrate_variants"] = "/".join(self.migrate_variants)
        out["migrate_new_variants"] = "/".join(self.migrate_new_variants)
        return out


FULL = Sizes(
    brands=1000,
    create_samples=15,
    create_samples_plain=7,
    routing_rows=50,
    routing_rounds=600,
    drafts_rows=10_000,
    drafts_small_rows=100,
    single_client_requests=400,
    concurrent_clients=8,
    requests_per_client=150,
    http_seconds_cap=40.0,
    migrate_variants=("standard", "multiprocessing:2", "multiprocessing:2+all-brands"),
    migrate_new_variants=("multiprocessing:2",),
    subprocess_children=3,
    sweep_open_steps=100,
    sweep_due_per_brand=1,
    ai_direct_jobs=40,
    ai_worker_jobs=8,
    ai_worker_threads=2,
    ai_model_latency_s=1.0,
)

SMOKE = Sizes(
    brands=10,
    create_samples=3,
    create_samples_plain=2,
    routing_rows=20,
    routing_rounds=30,
    drafts_rows=400,
    drafts_small_rows=100,
    single_client_requests=30,
    concurrent_clients=8,
    requests_per_client=5,
    http_seconds_cap=5.0,
    migrate_variants=("multiprocessing:2", "multiprocessing:2+all-brands"),
    migrate_new_variants=("multiprocessing:2",),
    subprocess_children=1,
    sweep_open_steps=10,
    sweep_due_per_brand=1,
    ai_direct_jobs=3,
    ai_worker_jobs=4,
    ai_worker_threads=2,
    ai_model_latency_s=0.5,
    results_posts=100,
    results_days=30,
    results_channels=2,
    results_ingest_snapshots=2_000,
    results_samples=3,
    listening_ingest_signals=3_000,
    listening_ingest_seconds_cap=30.0,
    listening_year_signals=20_000,
    listening_samples=5,
    plan_roll_brands=10,
    plan_roll_fill_seconds_cap=60.0,
)
