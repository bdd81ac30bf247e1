"""Periodic background work, as rows with deadlines that workers claim."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
