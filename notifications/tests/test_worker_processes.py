"""Several real worker processes drain one outbox: every delivery is sent exactly once.

The exclusivity of a claim is proven deterministically in `test_outbox.py`; here four
`run_worker --once` processes start together against a scratch database of the same kind as
the test database (SQLite file or PostgreSQL, where claims use SKIP LOCKED) and race for
forty deliveries.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from jobs.tests.test_worker_processes import ROOT, _manage, scratch_database_url  # noqa: F401 - the fixture

SETUP = """
from jurisdictions.models import Jurisdiction
from people.models import Person
from notifications.services import Recipient, start_notification
county = Jurisdiction(code="330225", name="象山县", level="county", kind="county")
county.save()
people = [Person.unscoped.create(name=f"测试{i}", mobile=f"139{i:08d}", jurisdiction=county) for i in range(40)]
start_notification(topic="race", source=county, jurisdiction=county, title="赛跑", body="…",
                   recipients=[Recipient(person_id=p.pk) for p in people], channels=["sms"])
"""

CHECK = """
from django.db.models import Count
from notifications.models import Delivery, DeliveryAttempt
counts = list(Delivery.unscoped.annotate(n=Count("attempts")).values_list("n", flat=True))
print(len(counts), min(counts), max(counts), Delivery.unscoped.filter(state="sent").count(), len(set(DeliveryAttempt.objects.values_list("worker", flat=True))))
"""


def _shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_four_workers_racing_send_every_delivery_exactly_once(scratch_database_url: str, tmp_path: Path) -> None:  # noqa: F811
    env = {**os.environ, "DATABASE_URL": scratch_database_url, "YINGJI_VAR_DIR": str(tmp_path), "LOG_LEVEL": "ERROR"}
    env.pop("PYTEST_XDIST_WORKER", None)
    migrate = _manage(env, "migrate", "-v0")
    assert migrate.wait(timeout=600) == 0, migrate.stdout.read() if migrate.stdout else ""
    _shell(env, SETUP)
    workers = [_manage(env, "run_worker", "--once", "--worker-id", f"w{i}") for i in range(4)]
    for worker in workers:
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0, out
    total, fewest, most, sent, _workers = _shell(env, CHECK).split()[-5:]
    assert (total, fewest, most, sent) == ("40", "1", "1", "40")
