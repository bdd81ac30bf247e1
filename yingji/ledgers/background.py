"""Large ledger files checked and imported by the worker, with progress on the page.

A registry opts in with `register(key, ledger, importer_factory, threshold=…)` (places do
it in their AppConfig.ready). The page then, for a file above the threshold:

1. `enqueue(pending, user=…, ledger_key=…, dry_run=True)`: copies the upload into the job's
   own file and creates an `jobs.ImportJob` row; the request returns at once;
2. a worker's tick handler (`run_queued`, registered in `jobs/jobs.py`) claims the row with a
   lease and runs the same `read_table` → `run_import` → `RowImporter` as the synchronous
   path, as the user who uploaded (their scope, their capabilities, audited as them);
3. the page polls `progress(job)` and, when done, shows `stored_report(job)` like a normal
   preview; confirming enqueues the same file with `dry_run=False`.

Why progress is in a side file while a job runs: the import writes all rows or none, so it
runs in one transaction, and nothing written inside it is visible to the polling request
until it commits (on SQLite another connection could not even write meanwhile). So the
importer reports rows done to ``<job file>.progress`` (an atomic rename), and the row gets
the final counts and report when the job ends. A worker that dies mid-way leaves nothing
written; the lease expires and another worker runs the job again from the start.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from yingji.context import ActorContext, acting
from yingji.ledgers.importing import ImportReport, Outcome, ParsedRow, Problem, RowImporter, run_import
from yingji.ledgers.reading import LedgerFileError, read_table
from yingji.ledgers.spec import Ledger
from yingji.ledgers.uploads import PendingUpload, discard
from yingji.scoping import scope_for_user, use_scope

log = logging.getLogger("yingji.ledgers.background")

DEFAULT_THRESHOLD = 500  # rows
# A file this many bytes per threshold row is certainly large: it goes to the worker without
# being read in the request (an .xlsx row takes ~50 bytes, a CSV row ~150).
BYTES_PER_ROW = 150
LEASE = timedelta(hours=1)
MAX_ATTEMPTS = 3
PROGRESS_EVERY = 25  # rows between progress writes


@dataclass(frozen=True)
class BackgroundLedger:
    key: str
    ledger: Ledger
    importer_factory: Callable[[Any], RowImporter]
    threshold: int = DEFAULT_THRESHOLD


_registry: dict[str, BackgroundLedger] = {}


def register(key: str, ledger: Ledger, importer_factory: Callable[[Any], RowImporter], *, threshold: int = DEFAULT_THRESHOLD) -> None:
    """Let a ledger's large files run in the worker; `importer_factory(user)` builds its RowImporter."""
    _registry[key] = BackgroundLedger(key, ledger, importer_factory, threshold)


def registered(key: str) -> BackgroundLedger:
    return _registry[key]


def runs_in_background(key: str, rows: int | None = None, *, size: int | None = None) -> bool:
    """Whether a file goes to the worker: more rows than the threshold, or (before reading it)
    so many bytes that reading it in the request would already take too long."""
    entry = _registry.get(key)
    if entry is None:
        return False
    if size is not None and size > entry.threshold * BYTES_PER_ROW:
        return True
    return rows is not None and rows > entry.threshold


def jobs_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "import-jobs"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _job_file(job: Any) -> Path:
    return jobs_dir() / job.file_name


def _progress_file(job: Any) -> Path:
    return jobs_dir() / f"{job.file_name}.progress"


def enqueue(pending: PendingUpload, *, user: Any, ledger_key: str, dry_run: bool, total_rows: int = 0) -> Any:
    """Queue a check (dry run) or an import of a pending upload; returns the `ImportJob`."""
    from jobs.models import ImportJob

    registered(ledger_key)  # KeyError for a ledger that did not opt in
    file_name = f"{uuid.uuid4().hex}.upload"
    shutil.copyfile(pending.path, jobs_dir() / file_name)
    return ImportJob.objects.create(
        ledger=ledger_key,
        user=user,
        filename=pending.filename,
        file_name=file_name,
        upload_token=pending.token,
        mapping=pending.mapping,
        dry_run=dry_run,
        total_rows=total_rows,
    )


def progress(job: Any) -> tuple[int, int]:
    """(rows done, total rows) for the page: the side file while running, the row once finished."""
    if not job.is_finished:
        try:
            data = json.loads(_progress_file(job).read_text(encoding="utf-8"))
            return int(data["done"]), int(data["total"])
        except (OSError, ValueError, KeyError):
            pass
    return job.done_rows, job.total_rows


def _write_progress(job: Any, done: int, total: int) -> None:
    target = _progress_file(job)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"done": done, "total": total}), encoding="utf-8")
    os.replace(temporary, target)


class _ProgressImporter:
    """Wraps a registry's RowImporter to report rows applied."""

    def __init__(self, inner: RowImporter, job: Any, total: int) -> None:
        self.inner, self.job, self.total, self.done = inner, job, total, 0

    def prepare(self, rows: list[ParsedRow]) -> None:
        self.inner.prepare(rows)
        # Rows that failed to parse are never applied: count them as done from the start.
        self.done = self.total - len(rows)
        _write_progress(self.job, self.done, self.total)

    def apply(self, row: ParsedRow) -> Outcome:
        try:
            return self.inner.apply(row)
        finally:
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                _write_progress(self.job, self.done, self.total)


def report_as_dict(report: ImportReport) -> dict[str, Any]:
    """Everything the preview page shows, as JSON for the job row."""
    return {
        **report.as_dict(),
        "total": report.total,
        "header_row": report.header_row,
        "headers": report.headers,
        "unknown_positions": [[position, header] for position, header in report.unknown],
        "samples": [[number, outcome.action, outcome.summary] for number, outcome in report.samples],
        "counts": dict(report.counts),
        "mapping": report.mapping,
    }


def stored_report(job: Any) -> ImportReport | None:
    """The finished job's report as an `ImportReport`, so pages render it like a synchronous one."""
    data = job.report or {}
    if not data or "total" not in data:
        return None
    entry = registered(job.ledger)
    return ImportReport(
        ledger=entry.ledger,
        header_row=int(data.get("header_row", 1)),
        total=int(data["total"]),
        problems=[Problem(p.get("row"), p.get("column", ""), p.get("value", ""), p.get("message", "")) for p in data.get("errors", [])],
        counts=Counter(data.get("counts", {})),
        samples=[(int(n), Outcome(action, summary)) for n, action, summary in data.get("samples", [])],
        headers=list(data.get("headers", [])),
        ignored=list(data.get("ignored_columns", [])),
        unknown=[(int(p), h) for p, h in data.get("unknown_positions", [])],
        mapping=dict(data.get("mapping", {})),
        dry_run=bool(data.get("dry_run", True)),
        applied=bool(data.get("imported", False)),
    )


def run_job(job: Any) -> Any:
    """Run one claimed job to the end as its user; the row gets the report or the error.

    Called by the worker (`run_queued`) and directly by tests.
    """
    from jobs.choices import ImportJobStatus
    from jobs.models import ImportJob

    entry = registered(job.ledger)
    user = job.user
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.RUNNING, started_at=timezone.now(), attempts=job.attempts + 1
    )
    status, error, body, total, done = ImportJobStatus.FAILED, "", {}, job.total_rows, 0
    try:
        with use_scope(scope_for_user(user)), acting(ActorContext(user=user, system_name=f"后台导入 {job.ledger}")):
            with _job_file(job).open("rb") as upload:
                table = read_table(upload, job.filename, entry.ledger)
            total = len(table.rows)
            ImportJob.objects.filter(pk=job.pk).update(total_rows=total)  # visible at once: not in the import's transaction
            importer = _ProgressImporter(entry.importer_factory(user), job, total)
            report = run_import(entry.ledger, table, importer, mapping=job.mapping, dry_run=job.dry_run)
        body, status, done = report_as_dict(report), ImportJobStatus.DONE, total
    except (LedgerFileError, PermissionDenied) as exc:  # unreadable file; uploader lost the right meanwhile
        error = str(exc)
    except Exception as exc:  # the row must say it failed; the log keeps the trace
        log.exception("import job %s failed", job.pk)
        error = f"后台处理出错：{exc.__class__.__name__}。请稍后重试或联系管理员。"
        body = {"trace": traceback.format_exc()[-2000:]}
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, error=error, report=body, total_rows=total, done_rows=done,
        finished_at=timezone.now(), locked_by="", locked_until=None,
    )
    job.refresh_from_db()
    _cleanup(job)
    return job


def _cleanup(job: Any) -> None:
    _progress_file(job).unlink(missing_ok=True)
    _job_file(job).unlink(missing_ok=True)
    if not job.dry_run and job.report.get("imported") and job.upload_token:
        discard(job.upload_token)  # the pending upload holds personal data: gone once imported


def run_queued(worker_id: str, *, limit: int = 1) -> list[Any]:
    """Claim and run queued jobs (and jobs whose worker died); the worker calls this every tick."""
    from jobs.choices import ImportJobStatus
    from jobs.claiming import claim_rows
    from jobs.models import ImportJob

    # Give up on a job that has killed its worker several times rather than retry forever.
    ImportJob.objects.filter(
        status=ImportJobStatus.RUNNING, attempts__gte=MAX_ATTEMPTS, locked_until__lt=timezone.now()
    ).update(status=ImportJobStatus.FAILED, error="处理多次中断，已停止；请把文件拆小后重新导入。", finished_at=timezone.now())
    candidates = ImportJob.objects.filter(status__in=ImportJobStatus.open_values(), ledger__in=list(_registry)).order_by("created_at")
    finished = []
    for job in claim_rows(candidates, worker_id=worker_id, lease=LEASE, limit=limit):
        finished.append(run_job(job))
    return finished
