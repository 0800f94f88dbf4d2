"""./platform/run narrates its start and prints one READY line, with the URLs and how to stop,
only once the web server answers and the worker and the scheduler have reported."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tests.tenants.test_worker_context import ROOT, _worker_env

_spec = importlib.util.spec_from_file_location("launcher", ROOT / "platform" / "launcher.py")
assert _spec and _spec.loader
launcher = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(launcher)


def _health(*, status: str = "ok", worker: float | None = 1.0, scheduler: float | None = 1.0):
    def seen(last: float | None) -> dict:
        return {"alive": 0 if last is None else 1, "last_beat_seconds": last}

    return {"status": status, "checks": {}, "worker": seen(worker), "scheduler": seen(scheduler)}


def test_ready_only_when_web_worker_and_scheduler_all_answer() -> None:
    assert launcher.not_ready(None, running_for=5) == ["web server"]
    assert launcher.not_ready(_health(), running_for=5) == []
    assert launcher.not_ready(_health(worker=None), running_for=5) == ["worker"]
    assert launcher.not_ready(_health(scheduler=None), running_for=5) == ["scheduler"]
    # A heartbeat older than this launch is a leftover of an earlier run.
    assert launcher.not_ready(_health(worker=20.0), running_for=5) == ["worker"]
    assert launcher.not_ready(_health(status="unavailable"), running_for=5)[0].startswith(
        "web server (database or broker"
    )


def test_waiting_on_a_port_where_nothing_answers_says_what_it_waits_for(capsys) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    ready = launcher.wait_until_ready(
        f"http://127.0.0.1:{port}", started=started, timeout=1.5, every=0.5, poll=0.1
    )
    assert not ready
    err = capsys.readouterr().err
    assert "brandroom: waiting for: web server" in err
    assert "brandroom: not ready after 2 s; still waiting for: web server" in err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def walk_brand(world, django_db_blocker):  # type: ignore[no-untyped-def]
    """A committed brand with a channel and one member per role named ``walk-<role>``, the way
    the demo names its people, for the README's walk-through."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django_tenants.utils import schema_context

    from content import services as content_services
    from tenants import services as tenant_services
    from tenants.roles import Role
    from tests.conftest import committed_brands
    from tests.factories import UserFactory

    with committed_brands(world, django_db_blocker, ("walk-brand", "Walk Brand")) as (brand,):
        with django_db_blocker.unblock():
            people = []
            for role in Role:
                if role == Role.AGENCY_ADMIN:
                    continue
                person = UserFactory(username=f"walk-{role.value}")
                # The server runs in development mode, without the tests' fast MD5 hasher.
                person.password = PBKDF2PasswordHasher().encode(PASSWORD, "walkthrough", 1000)
                person.save(update_fields=["password"])
                tenant_services.add_member(brand=brand, user=person, role=role)
                people.append(person)
            with schema_context(brand.schema_name):
                content_services.create_channel(network="x", handle="walkbrand")
        try:
            yield brand
        finally:
            with django_db_blocker.unblock():
                for person in people:
                    person.delete()


@pytest.mark.integration
def test_run_narrates_and_ends_with_the_ready_line_then_stops_on_ctrl_c(
    world, walk_brand, tmp_path
) -> None:
    port = _free_port()
    env = {
        **_worker_env(),
        "BRANDROOM_PORT": str(port),
        "WEB_WORKERS": "1",
        "WEB_THREADS": "2",
        "WORKER_THREADS": "1",
        "HEARTBEAT_SECONDS": "1",
    }
    env.pop("BRANDROOM_ENV")  # the launcher's own default (development) applies
    log = tmp_path / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen(
            [sys.executable, "platform/launcher.py", "run", "--no-demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        text = _wait_for_line(log, "brandroom: READY in ", run, timeout=240)
        lines = text.splitlines()
        narrated = [line for line in lines if line.startswith("brandroom: ")]
        steps = [
            "brandroom: migrating the database: shared tables",
            "brandroom: migrating the database: brands",
            "brandroom: collecting static files",
            "brandroom: starting web (http://127.0.0.1:",
            "brandroom: READY in ",
        ]
        positions = [
            next(i for i, line in enumerate(narrated) if line.startswith(step)) for step in steps
        ]
        assert positions == sorted(positions), narrated
        assert any(line.startswith("Brands: ") for line in lines)  # how many brands migrate
        ready = next(i for i, line in enumerate(lines) if line.startswith("brandroom: READY"))
        after = "\n".join(lines[ready : ready + 8])
        assert f"http://127.0.0.1:{port}/api/v1/health/" in after
        assert "Stop with Ctrl-C" in after
        assert sum(1 for line in lines if "READY" in line) == 1

        # The README's first walk-through runs as written against it: brief, drafts written
        # by the worker, each step of the approval chain approved.
        walk = subprocess.run(
            ["docs/walkthrough.sh"],
            cwd=ROOT,
            env={
                **os.environ,
                "BRANDROOM_URL": f"http://127.0.0.1:{port}",
                "BRAND": walk_brand.slug,
                "USER_PREFIX": "walk-",
                "PASSWORD": PASSWORD,
            },
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert walk.returncode == 0, walk.stdout + walk.stderr
        assert "job " in walk.stdout and ": succeeded" in walk.stdout
        assert walk.stdout.rstrip().endswith("6. The draft is now: approved"), walk.stdout

        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert run.wait(timeout=30) == 0
        assert "brandroom: stopping web, worker and scheduler" in log.read_text()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        if run.poll() is None:
            # Ctrl-C first: the launcher stops the web server, worker and scheduler it started
            # (they run in sessions of their own, so killing its group would orphan them).
            os.killpg(run.pid, signal.SIGINT)
            try:
                run.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait()


def _wait_for_line(log: Path, start: str, run: subprocess.Popen, *, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text()
        if any(line.startswith(start) for line in text.splitlines()):
            time.sleep(0.5)  # the URL lines follow the ready line in the same write
            return log.read_text()
        if run.poll() is not None:
            raise AssertionError(f"./platform/run exited with {run.returncode}:\n{text}")
        time.sleep(0.5)
    raise AssertionError(f"no {start!r} line within {timeout}s:\n{log.read_text()}")


def test_run_starts_a_worker_per_queue_group_so_a_burst_on_one_never_starves_another(
    monkeypatch,
) -> None:
    """Issue 14.15 in the README's own command: ./platform/run consumed every queue with one
    process's four threads, so 1,700 webhook deliveries sat ahead of new AI jobs."""
    from brandroom.queues import QUEUE_AI, QUEUE_WEBHOOKS, QUEUES

    monkeypatch.setenv("WORKER_AI_THREADS", "3")
    commands = launcher.worker_commands()
    consumed = {
        name: command[command.index("--queues") + 1 :] for name, command in commands.items()
    }
    every = [queue for queues in consumed.values() for queue in queues]
    assert sorted(every) == sorted(QUEUES)  # each queue, exactly once
    assert [QUEUE_AI] in consumed.values()
    assert [QUEUE_WEBHOOKS] in consumed.values()
    ai = next(command for command in commands.values() if command[-1] == QUEUE_AI)
    assert ai[ai.index("--threads") + 1] == "3"


# A stand-in worker for ``supervise``: notes each start in a file, then dies at once while
# fewer than ``crashes`` starts are noted, else stays up until it is stopped.
_FLAKY = """
import os, sys, time
from pathlib import Path
starts = Path(sys.argv[1])
starts.write_text((starts.read_text() if starts.exists() else "") + f"start {os.getpid()}\\n")
if starts.read_text().count("start") <= int(sys.argv[2]):
    sys.exit(3)
time.sleep(60)
"""


# Started by ``supervise`` with ``when_started`` watching for a process that stops while the
# service starts (as wait_until_ready does), for a few seconds.
_WATCH_START = """
def when_started(still_running):
    for _ in range(30):
        if still_running():
            print("stopped before ready", flush=True)
            return
        time.sleep(0.1)
    print("READY", flush=True)
"""

# ``supervise``'s Popen, which interrupts the supervisor (as a Ctrl-C would) right after each
# start of the worker but the first: the moment between a restart and noting it.
_CTRL_C_AT_RESTART = """
real_popen = launcher.subprocess.Popen
worker_starts = []
def popen(cmd, **kwargs):
    proc = real_popen(cmd, **kwargs)
    if "flaky" in " ".join(cmd):
        worker_starts.append(proc)
        if len(worker_starts) > 1:
            print(f"worker started again as {proc.pid}", flush=True)
            os.kill(os.getpid(), signal.SIGINT)
    return proc
launcher.subprocess.Popen = popen
"""


def _supervise_in_a_process(
    tmp_path: Path, *, crashes: int, watch_start: bool = False, ctrl_c_at_restart: bool = False
) -> tuple[subprocess.Popen, Path]:
    """``supervise`` run by a process of its own (it takes over SIGINT and SIGTERM), with a
    web stand-in that stays up and a flaky worker that is restartable."""
    starts = tmp_path / "starts"
    script = tmp_path / "flaky.py"
    script.write_text(_FLAKY)
    launcher_py = str(ROOT / "platform" / "launcher.py")
    driver = f"""
import importlib.util, os, signal, sys, time
spec = importlib.util.spec_from_file_location("launcher", {launcher_py!r})
launcher = importlib.util.module_from_spec(spec)
spec.loader.exec_module(launcher)
when_started = None
{_WATCH_START if watch_start else ""}
{_CTRL_C_AT_RESTART if ctrl_c_at_restart else ""}
sys.exit(launcher.supervise(
    {{"web": [sys.executable, "-c", "import time; time.sleep(60)"],
      "worker": [sys.executable, {str(script)!r}, {str(starts)!r}, "{crashes}"]}},
    restartable=frozenset({{"worker"}}), max_restarts=3, restart_window=60,
    when_started=when_started,
))
"""
    log = tmp_path / "supervise.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", driver], stdout=out, stderr=subprocess.STDOUT
        )
    return proc, log


def _starts(tmp_path: Path) -> int:
    path = tmp_path / "starts"
    return path.read_text().count("start") if path.exists() else 0


def test_a_worker_that_dies_is_started_again_and_the_rest_keeps_running(tmp_path) -> None:
    supervisor, log = _supervise_in_a_process(tmp_path, crashes=2)
    try:
        deadline = time.monotonic() + 30
        while _starts(tmp_path) < 3 and time.monotonic() < deadline:
            assert supervisor.poll() is None, log.read_text()
            time.sleep(0.2)
        time.sleep(1.5)  # a few more supervising rounds: it stays up, nothing else stops

        assert _starts(tmp_path) == 3
        assert supervisor.poll() is None, log.read_text()
        assert log.read_text().count("brandroom: worker exited with 3; starting it again") == 2
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=30) == 0
    finally:
        if supervisor.poll() is None:
            supervisor.kill()


def test_a_worker_that_keeps_dying_stops_everything_and_says_so(tmp_path) -> None:
    supervisor, log = _supervise_in_a_process(tmp_path, crashes=100)
    try:
        assert supervisor.wait(timeout=60) == 3
    finally:
        if supervisor.poll() is None:
            supervisor.kill()

    text = log.read_text()
    assert text.count("starting it again") == 3
    assert "brandroom: worker exited with 3 (4 exits in 60 s); stopping" in text
    assert _starts(tmp_path) == 4


def test_a_worker_that_dies_while_the_service_starts_stops_everything_not_restarted(
    tmp_path,
) -> None:
    """READY never comes then: restarting it would leave ./platform/run running unready and
    whoever waits for READY waiting."""
    supervisor, log = _supervise_in_a_process(tmp_path, crashes=1, watch_start=True)
    try:
        assert supervisor.wait(timeout=15) == 3, log.read_text()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()

    text = log.read_text()
    assert "stopped before ready" in text
    assert "starting it again" not in text
    assert "READY" not in text
    assert _starts(tmp_path) == 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_just_as_a_worker_is_started_again_leaves_no_worker_running(tmp_path) -> None:
    supervisor, log = _supervise_in_a_process(tmp_path, crashes=1, ctrl_c_at_restart=True)
    try:
        assert supervisor.wait(timeout=30) == 0, log.read_text()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()

    pids = [int(line.split()[-1]) for line in log.read_text().splitlines() if " again as " in line]
    assert len(pids) == 1, log.read_text()
    deadline = time.monotonic() + 5
    while _alive(pids[-1]) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert not _alive(pids[-1]), "the restarted worker outlived ./platform/run"
    finally:
        if _alive(pids[-1]):
            os.kill(pids[-1], signal.SIGKILL)
