"""Public reports (群众举报 / 吹哨人): hazards reported by anyone, without an account.

A report is a ledger row bound to the jurisdiction where it happened (by point-in-polygon
when the reporter shares a location, else the township they pick, else the county). The
reporter gets a short unguessable receipt code to look up the outcome; nothing else links
the report to them: no account, the phone only if they give it and are not anonymous, and
instead of their address a keyed hash of it (the fingerprint) that serves the rate limits.
Triage turns a report into a hazard (the outcome then follows the hazard), or rejects it
with a reason, or marks it a duplicate. Rewards (seed 002: 鼓励群众发现报告风险隐患并按照
规定给予奖励) are recorded on the report.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from places.coords import CoordSystem
from publicreports.choices import LocatedBy, ReportState, SubmittedVia
from yingji.models import Registry, TimeStamped


class PublicReport(Registry):
    """One report from the public, from receipt to its triage (and reward)."""

    receipt = models.CharField(_("回执码"), max_length=16, unique=True, editable=False)
    description = models.TextField(_("举报内容"), max_length=1000)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    coord_system = models.CharField(
        _("上报坐标系"),
        max_length=8,
        choices=CoordSystem.choices,
        default=CoordSystem.WGS84,
        help_text=_("举报人设备给出的坐标系；保存的经纬度已统一换算为 WGS-84"),
    )
    address = models.CharField(_("地址描述"), max_length=200, blank=True)
    located_by = models.CharField(_("落格方式"), max_length=8, choices=LocatedBy.choices, default=LocatedBy.DEFAULT)
    phone = models.CharField(_("联系电话"), max_length=11, blank=True)
    anonymous = models.BooleanField(_("匿名举报"), default=False)
    # HMAC-SHA256 of the client address with a server key: counts a client's reports, never reveals it.
    fingerprint = models.CharField(_("客户端指纹"), max_length=64, editable=False)
    # Hash of the normalised description: "the same report again" is one indexed comparison.
    content_digest = models.CharField(_("内容摘要"), max_length=64, editable=False)
    submitted_via = models.CharField(
        _("提交渠道"), max_length=8, choices=SubmittedVia.choices, default=SubmittedVia.PAGE
    )
    flood_flagged = models.BooleanField(
        _("集中涌入时提交"), default=False, help_text=_("提交时本辖区一小时内举报量超过阈值，请留意是否为批量灌水")
    )

    state = models.CharField(_("状态"), max_length=10, choices=ReportState.choices, default=ReportState.RECEIVED)
    hazard = models.ForeignKey(
        "hazards.Hazard", verbose_name=_("对应隐患"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("重复于"), null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    reason = models.CharField(_("不予受理原因"), max_length=300, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    triaged_at = models.DateTimeField(_("核实时间"), null=True, blank=True)

    reward_amount = models.DecimalField(_("奖励金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    reward_note = models.CharField(_("奖励说明"), max_length=200, blank=True)
    rewarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("奖励登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rewarded_at = models.DateTimeField(_("奖励登记时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("群众举报")
        verbose_name_plural = _("群众举报")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The rate limit and the duplicate check: one client's recent reports.
            models.Index(fields=["fingerprint", "created_at"], name="pubrep_client_recent"),
            # The flood guard: recent reports of a subtree; the triage queue by state.
            models.Index(fields=["jurisdiction_path", "created_at"], name="pubrep_path_recent"),
            models.Index(fields=["state", "jurisdiction_path"], name="pubrep_state_path"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} {self.description[:30]}"

    @property
    def has_location(self) -> bool:
        return self.lng is not None and self.lat is not None


def report_photo_path(instance: ReportPhoto, filename: str) -> str:
    """A random name; what the browser called the file never becomes a path."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    if suffix not in {"jpg", "png", "webp"}:
        suffix = "jpg"
    return f"publicreports/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{suffix}"


class ReportPhoto(TimeStamped):
    """A photo sent with a public report (at most three, checked by their first bytes)."""

    report = models.ForeignKey(PublicReport, verbose_name=_("举报"), on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(_("照片文件"), upload_to=report_photo_path, max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=20)
    size = models.PositiveIntegerField(_("文件大小（字节）"))

    audited = True

    class Meta:
        verbose_name = _("举报照片")
        verbose_name_plural = _("举报照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.image.name}"

    @property
    def jurisdiction_path(self) -> str:
        return str(
            PublicReport._base_manager.filter(pk=self.report_id).values_list("jurisdiction_path", flat=True).first()
            or ""
        )
