"""What the demo seeder has loaded into this database."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from demo.choices import Scale


class DemoSeed(models.Model):
    """A record that the demo county (演示数据) was loaded, and at which scale.

    The seeder checks it to stay idempotent and to refuse mixing scales.
    """

    scale = models.CharField(_("规模"), max_length=10, choices=Scale.choices, unique=True)
    seeded_at = models.DateTimeField(_("加载时间"), default=timezone.now)
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    summary = models.JSONField(_("各步骤结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("演示数据")
        verbose_name_plural = _("演示数据")

    def __str__(self) -> str:
        return f"{self.get_scale_display()} @ {self.seeded_at:%Y-%m-%d %H:%M}"
