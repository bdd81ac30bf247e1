"""Several real worker processes share one database without errors or double runs.

The exclusivity of a claim itself is proven deterministically in `test_worker.py`; this test
shows that real processes started together (SQLite file or PostgreSQL) all tick cleanly,
leave a heartbeat each, and the due job runs once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[str]:
    """A migrated database of the same kind as the test database, outside the test transaction."""
    vendor = connection.vendor
    if vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'workers.sqlite3'}"
        return
    import psycopg

    settings = connection.settings_dict
    name = f"yingji_workers_{uuid.uuid4().hex[:8]}"
    dsn = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} user={settings['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_four_worker_processes_started_together_run_a_due_job_once(scratch_database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": scratch_database_url, "YINGJI_VAR_DIR": str(tmp_path), "LOG_LEVEL": "WARNING"}
    env.pop("PYTEST_XDIST_WORKER", None)
    migrate = _manage(env, "migrate", "-v0")
    assert migrate.wait(timeout=300) == 0, migrate.stdout.read() if migrate.stdout else ""
    workers = [_manage(env, "run_worker", "--once", "--worker-id", f"w{i}") for i in range(4)]
    outputs = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        outputs.append(out)
        assert worker.returncode == 0, out
    check = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from jobs.models import JobSchedule, WorkerHeartbeat; "
         "print(JobSchedule.objects.get(name='accounts.purge_expired_tokens').run_count, WorkerHeartbeat.objects.count())"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    run_count, heartbeats = check.stdout.split()[-2:]
    assert (run_count, heartbeats) == ("1", "4"), outputs
