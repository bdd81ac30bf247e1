"""Vocabularies of background work."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")

    @classmethod
    def open_values(cls) -> list[str]:
        """States a worker may still pick up (a running job whose lease expired was interrupted)."""
        return [cls.QUEUED, cls.RUNNING]
