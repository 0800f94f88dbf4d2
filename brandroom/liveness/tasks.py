"""Loaded by the scheduler (``manage.py crontab`` imports every app's ``tasks``): the scheduler
beats from its own timer, so its heartbeat means the scheduler itself runs, not a worker."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger
from django.utils import timezone
from dramatiq_crontab import scheduler

from brandroom.liveness.beats import interval, scheduler_beat

scheduler.add_job(
    scheduler_beat,
    IntervalTrigger(seconds=interval()),
    name="brandroom.liveness.scheduler_beat",
    id="brandroom.liveness.scheduler_beat",
    replace_existing=True,
    # First beat as soon as the scheduler runs (after it holds the lock), however late that is.
    next_run_time=timezone.now(),
    misfire_grace_time=None,
    coalesce=True,
)
