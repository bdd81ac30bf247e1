"""Periodic background work, as rows with deadlines that workers claim."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jobs.choices import ImportJobStatus


class JobSchedule(models.Model):
    """One periodic job (定时任务) and when it next runs.

    A worker claims a due job by a conditional UPDATE that sets a lease; a worker that
    dies mid-run leaves a lease that expires, and another worker takes the job over.
    """

    name = models.CharField(_("任务"), max_length=100, unique=True)
    next_run_at = models.DateTimeField(_("下次运行"), default=timezone.now, db_index=True)
    locked_by = models.CharField(_("执行者"), max_length=100, blank=True)
    locked_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("上次开始"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("上次完成"), null=True, blank=True)
    last_error = models.TextField(_("上次错误"), blank=True)
    run_count = models.PositiveIntegerField(_("运行次数"), default=0)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """Last sign of life of each worker process, shown on the health endpoint."""

    worker_id = models.CharField(max_length=100, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("后台进程")
        verbose_name_plural = _("后台进程")


class ImportJob(models.Model):
    """A ledger file checked or imported by a worker (后台导入任务), for files too large for one request.

    The web request only stores the file and this row; a worker claims the row with a lease
    (`jobs.claiming.claim_rows`), runs the ledger's importer as the user who uploaded it, and
    writes the final report here. Rows done are reported while it runs (see
    `yingji.ledgers.background` for why they go to a side file until the end). A worker that
    dies leaves the lease to expire; the next one starts the job again, which is safe because
    an import writes all rows or none.
    """

    ledger = models.CharField(_("台账"), max_length=40)
    user = models.ForeignKey("accounts.User", verbose_name=_("提交人"), on_delete=models.CASCADE, related_name="import_jobs")
    filename = models.CharField(_("文件名"), max_length=200)
    file_name = models.CharField(_("存储文件"), max_length=200, editable=False)
    upload_token = models.CharField(_("上传凭据"), max_length=32, blank=True)
    mapping = models.JSONField(_("列对应"), default=dict, blank=True)
    dry_run = models.BooleanField(_("只检查"), default=True)
    status = models.CharField(_("状态"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED, db_index=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    done_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    report = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    locked_by = models.CharField(_("执行者"), max_length=100, blank=True)
    locked_until = models.DateTimeField(_("租约到期"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台导入任务")
        verbose_name_plural = _("后台导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ledger} {self.filename} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)
