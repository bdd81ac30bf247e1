"""Benchmark: issue a warning to 10,000 people, send it through real worker processes, acknowledge it.

Usage (SQLite, a scratch file in the temp directory, rebuilt every run):
    .venv/bin/python bench/bench_warning_delivery.py
On PostgreSQL (the database must exist and should be empty; it is migrated and seeded):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yingji_bench_delivery .venv/bin/python bench/bench_warning_delivery.py

What is measured, each against a baseline measured in the same run on the same database:
1. Queuing: `earlywarning.actions.issue` of one warning whose kind reaches a position held by
   10,000 people (bulk-created in the small demo county's grids): recipient resolution, the
   frozen recipient rows, CAP XML and `notifications.services.start_notification` (10,000
   escalation chains and SMS deliveries), until the transaction commits. Baseline: a plain
   insert of 10,000 rows (executemany, batches of 500, one transaction).
2. Sending: N worker processes (N = 1, 4) run the real worker loop (`jobs.runner.run_forever`,
   what `manage.py run_worker` runs) with SMS routed to the fake Aliyun provider
   (`notifications/tests/fake_providers.py`) served over HTTP on 127.0.0.1 by this process;
   the clock runs from the start of the issue until every delivery is `sent`. Every delivery
   must reach the provider exactly once (its `OutId` counted in the provider's record) and
   have exactly one attempt row. Baseline: the same SMS transport sending to the same fake
   provider from one client in this process, no database.
3. Acknowledgements: `services.acknowledge(token, via="link")` for K deliveries, one after
   another, each in its own transaction. Baseline: K single-row INSERT transactions.

The worker processes are this script run with `--worker` (Django set up, NOTIFICATION_TRANSPORTS
pointed at the fake server, then `run_forever` with SIGTERM handling as in `run_worker`):
`manage.py run_worker` itself cannot be pointed at a server on 127.0.0.1 from the environment.
The workers tick every BENCH_TICK_SECONDS (default 0.1 s; production default 2 s, see
docs/benchmarks.md for what that means for throughput).
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE_PATH = Path(tempfile.gettempdir()) / "yingji-bench-delivery.sqlite3"
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "10000"))
ACKS = int(os.environ.get("BENCH_ACKS", "1000"))
BASELINE_SENDS = int(os.environ.get("BENCH_BASELINE_SENDS", "2000"))
TICK_SECONDS = os.environ.get("BENCH_TICK_SECONDS", "0.1")
WORKER_COUNTS = [int(n) for n in os.environ.get("BENCH_WORKERS", "1,4").split(",")]
SEND_TIMEOUT_SECONDS = float(os.environ.get("BENCH_SEND_TIMEOUT", "900"))
BENCH_KIND = "bench_liaison"


class _ServerAt:
    """Just enough of FakeProviderServer for `transport_settings`: its URLs."""

    def __init__(self, port: int) -> None:
        self.port = port

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _setup_django(fake_port: int | None = None) -> None:
    import django

    django.setup()
    if fake_port is not None:
        from django.conf import settings

        from notifications.tests.fake_providers import transport_settings

        settings.NOTIFICATION_TRANSPORTS = transport_settings(_ServerAt(fake_port))  # type: ignore[arg-type]


def run_worker(worker_id: str, fake_port: int) -> None:
    """One worker process: what `manage.py run_worker` does, with SMS at the fake provider."""
    _setup_django(fake_port)
    from jobs.runner import run_forever

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run_forever(worker_id, stop=stop)


# --- set-up ----------------------------------------------------------------------------------


def prepare_database() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", scale="small", if_empty=True, verbosity=0)


def quiet_demo_outbox() -> None:
    """Cancel the demo's notifications and disable its group channels, so only ours are sent."""
    from notifications.models import GroupChannel, Notification
    from notifications.services import cancel_notification

    for notification in Notification.unscoped.filter(state="active"):
        cancel_notification(notification, reason="基准测试前清空发件箱")
    GroupChannel.unscoped.update(enabled=False)


def create_recipients(count: int) -> Any:
    """`count` people with mobiles, spread over the demo county's grids, each holding one position."""
    from earlywarning.models import WarningKind
    from jurisdictions.models import Jurisdiction
    from people.models import Person, Position, PositionKind

    kind, _ = PositionKind.objects.get_or_create(code=BENCH_KIND, defaults={"name": "基准测试联络员", "level": "grid"})
    if Position.unscoped.filter(kind=kind).count() < count:
        grids = list(Jurisdiction.unscoped.filter(level="grid").defer("boundary").order_by("path"))
        people = [
            Person(
                name=f"测试联络员{i:05d}",
                mobile=f"199{i:08d}",
                jurisdiction=grids[i % len(grids)],
                jurisdiction_path=grids[i % len(grids)].path,
            )
            for i in range(count)
        ]
        Person.unscoped.bulk_create(people, batch_size=1000)
        if people[0].pk is None:  # backends that do not return keys from bulk inserts
            people = list(Person.unscoped.filter(mobile__startswith="199").order_by("mobile"))
        Position.unscoped.bulk_create(
            [
                Position(person=p, kind=kind, jurisdiction_id=p.jurisdiction_id, jurisdiction_path=p.jurisdiction_path)
                for p in people
            ],
            batch_size=1000,
        )
    warning_kind = WarningKind.objects.get(code="other")
    warning_kind.position_kinds.set([kind])
    return warning_kind


def issue_warning(warning_kind: Any, label: str) -> tuple[Any, float, float]:
    """Draft and issue one warning to the whole county; return it, issue seconds, start_notification seconds."""
    from django.utils import timezone

    from accounts.models import User
    from earlywarning import actions, notify
    from jurisdictions.models import Jurisdiction
    from yingji import scoping

    user = User.unscoped.get(username="county_admin")
    county = Jurisdiction.unscoped.get(level="county")
    now = timezone.now()
    inner: list[float] = []
    real_send = notify.send

    def timed_send(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real_send(*args, **kwargs)
        finally:
            inner.append(time.perf_counter() - started)

    with scoping.use_scope(scoping.scope_for_user(user)):
        draft = actions.create_draft(
            by=user,
            jurisdiction=county,
            area_nodes=[county],
            kind=warning_kind,
            level="red",
            title=f"基准测试预警 {label}",
            starts_at=now,
            ends_at=now + timedelta(hours=6),
            watch_for="基准测试：请忽略",
            measures="基准测试：无需处置",
        )
        notify.send = timed_send
        try:
            started = time.perf_counter()
            warning = actions.issue(draft, by=user)
            issued = time.perf_counter() - started
        finally:
            notify.send = real_send
    return warning, issued, inner[0]


def plain_table(cursor: Any, vendor: str) -> str:
    cursor.execute("drop table if exists bench_plain_delivery")
    key = "integer primary key autoincrement" if vendor == "sqlite" else "bigserial primary key"
    cursor.execute(f"create table bench_plain_delivery (id {key}, address varchar(20), token varchar(12), state varchar(12), note text)")
    return "insert into bench_plain_delivery (address, token, state, note) values (%s, %s, %s, %s)"


def baseline_bulk_insert(rows: int) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        sql = plain_table(cursor, connection.vendor)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, rows, 500):
            cursor.executemany(sql, [(f"199{i:08d}", f"T{i:09d}", "queued", "x" * 200) for i in range(start, min(rows, start + 500))])
    return time.perf_counter() - started


def baseline_single_inserts(rows: int) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        sql = plain_table(cursor, connection.vendor)
    started = time.perf_counter()
    for i in range(rows):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [f"199{i:08d}", f"T{i:09d}", "acknowledged", "x"])
    return time.perf_counter() - started


def baseline_provider_rate(server: Any, count: int) -> float:
    """Requests per second of the SMS transport to the fake provider from one client, no database."""
    from notifications.tests.fake_providers import transport_settings
    from notifications.transports.base import Channel, Outcome, OutgoingMessage
    from notifications.transports.sms import AliyunSmsTransport

    options = dict(transport_settings(server)["sms"])
    options.pop("backend")
    transport = AliyunSmsTransport(**options)
    started = time.perf_counter()
    for i in range(count):
        message = OutgoingMessage(
            delivery_id=900_000_000 + i,
            channel=Channel.SMS.value,
            address=f"199{i:08d}",
            recipient_name="基准",
            title="基准测试预警",
            body="基准测试",
            template_params={"title": "基准测试预警", "code": "1234", "link": "http://127.0.0.1:8000/n/ABCDEFGHJK"},
        )
        result = transport.send(message)
        assert result.outcome == Outcome.SENT, result
    return count / (time.perf_counter() - started)


# --- the runs ----------------------------------------------------------------------------------


def start_workers(count: int, port: int, run: str) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "WORKER_TICK_SECONDS": TICK_SECONDS, "LOG_LEVEL": os.environ.get("BENCH_WORKER_LOG_LEVEL", "ERROR")}
    return [
        subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, "--worker", f"bench-{run}-w{i}", "--fake-port", str(port)], cwd=ROOT, env=env
        )
        for i in range(count)
    ]


def wait_for_heartbeats(ids: list[str], timeout: float = 120) -> None:
    from jobs.models import WorkerHeartbeat

    deadline = time.monotonic() + timeout
    while WorkerHeartbeat.objects.filter(worker_id__in=ids).count() < len(ids):
        if time.monotonic() > deadline:
            raise RuntimeError("workers did not start")
        time.sleep(0.1)


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def one_run(workers_n: int, warning_kind: Any, server: Any) -> dict[str, Any]:
    from django.db import close_old_connections

    from notifications.models import Delivery, DeliveryAttempt

    server.reset()
    run = f"n{workers_n}-{int(time.time())}"
    workers = start_workers(workers_n, server.port, run)
    try:
        wait_for_heartbeats([f"bench-{run}-w{i}" for i in range(workers_n)])
        started = time.perf_counter()
        warning, issued, start_notification = issue_warning(warning_kind, run)
        notification_id = warning.messages.get(sequence=1).notification_id
        mine = Delivery.unscoped.filter(notification_id=notification_id)
        total = mine.count()
        assert total == RECIPIENTS, f"{total} deliveries for {RECIPIENTS} recipients"
        deadline = time.monotonic() + SEND_TIMEOUT_SECONDS
        while True:
            close_old_connections()
            sent = mine.filter(state="sent").count()
            if sent == total:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {sent} of {total} sent after {SEND_TIMEOUT_SECONDS} s")
            time.sleep(0.1)
        all_sent = time.perf_counter() - started
    finally:
        stop_workers(workers)
    # Exactly once: every delivery reached the provider once and has one attempt row.
    ids = set(mine.values_list("pk", flat=True))
    out_ids = collections.Counter(int(r.params["OutId"]) for r in server.requests("aliyun_sms"))
    ours = {pk: n for pk, n in out_ids.items() if pk in ids}
    assert set(ours) == ids and set(ours.values()) == {1}, "a delivery was sent twice or not at all"
    others = sum(n for pk, n in out_ids.items() if pk not in ids)  # other apps' periodic jobs (e.g. supplies reminders)
    attempts = collections.Counter(DeliveryAttempt.objects.filter(delivery__notification_id=notification_id).values_list("delivery_id", flat=True))
    assert set(attempts.values()) == {1} and len(attempts) == len(ids), "attempt rows are not one per delivery"
    workers_used = DeliveryAttempt.objects.filter(delivery__notification_id=notification_id).values("worker").distinct().count()
    print(
        f"  N={workers_n}: queued in {issued:.2f} s (start_notification {start_notification:.2f} s), all {total} sent "
        f"{all_sent:.2f} s after the issue started; {len(ids)} provider requests (+{others} from other jobs), "
        f"each delivery once; {workers_used} workers sent",
        file=sys.stderr,
    )
    return {"issued": issued, "start": start_notification, "all_sent": all_sent, "notification": notification_id, "total": total}


def measure_acks(notification_id: int, count: int) -> float:
    from notifications.models import Delivery
    from notifications.services import acknowledge

    tokens = list(Delivery.unscoped.filter(notification_id=notification_id, state="sent").order_by("id").values_list("reply_token", flat=True)[:count])
    started = time.perf_counter()
    for token in tokens:
        acknowledge(token, via="link")
    elapsed = time.perf_counter() - started
    assert Delivery.unscoped.filter(notification_id=notification_id, state="acknowledged").count() == len(tokens)
    return len(tokens) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker")
    parser.add_argument("--fake-port", type=int)
    args = parser.parse_args()
    if args.worker:
        run_worker(args.worker, args.fake_port)
        return
    if os.environ["DATABASE_URL"].startswith("sqlite:///") and SQLITE_PATH.name in os.environ["DATABASE_URL"]:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    _setup_django()
    from django.db import connection

    from notifications.tests.fake_providers import FakeProviderServer
    from yingji.scoping import unscoped

    started = time.perf_counter()
    prepare_database()
    with unscoped():
        quiet_demo_outbox()
        warning_kind = create_recipients(RECIPIENTS)
    print(f"vendor={connection.vendor} recipients={RECIPIENTS} set-up {time.perf_counter() - started:.1f} s", file=sys.stderr)
    server = FakeProviderServer()
    # The fake writes headers and body separately; with Nagle's algorithm on, each answer then
    # waits for the client's delayed ACK (~40 ms). Off here, so the fake is not the bottleneck.
    server.httpd.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
    server.start()
    try:
        bulk = baseline_bulk_insert(RECIPIENTS)
        rate = baseline_provider_rate(server, BASELINE_SENDS)
        print(f"  baselines: plain insert of {RECIPIENTS} rows {bulk:.2f} s; fake provider from one client {rate:.0f} req/s", file=sys.stderr)
        runs = {}
        with unscoped():
            for n in WORKER_COUNTS:
                runs[n] = one_run(n, warning_kind, server)
            ack_rate = measure_acks(runs[WORKER_COUNTS[-1]]["notification"], ACKS)
        insert_rate = ACKS / baseline_single_inserts(ACKS)
    finally:
        server.stop()
    print(f"  acknowledgements {ack_rate:.0f}/s; single-row insert transactions {insert_rate:.0f}/s", file=sys.stderr)

    vendor = connection.vendor
    queue = min(r["issued"] for r in runs.values())
    print(f"| {vendor} | queue {RECIPIENTS:,} (issue → commit) | {queue:.2f} s | plain insert of {RECIPIENTS:,} rows: {bulk:.2f} s | {queue / bulk:.1f}× |")
    for n, r in runs.items():
        send = r["all_sent"] - r["issued"]
        throughput = r["total"] / send
        print(
            f"| {vendor} | all sent, {n} worker{'s' if n > 1 else ''} (from issue) | {r['all_sent']:.1f} s "
            f"({throughput:.0f}/s after queuing) | provider from one client: {rate:.0f}/s | {throughput / rate:.2f}× |"
        )
    print(f"| {vendor} | acknowledgements ({ACKS:,}, by link token) | {ack_rate:.0f}/s | single-row insert transactions: {insert_rate:.0f}/s | {ack_rate / insert_rate:.2f}× |")


if __name__ == "__main__":
    main()
