"""Vocabularies of public reports (群众举报). The API values are fixed by the platform's interface."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportState(models.TextChoices):
    RECEIVED = "received", _("待核实")
    ACCEPTED = "accepted", _("已受理为隐患")
    REJECTED = "rejected", _("不予受理")
    DUPLICATE = "duplicate", _("重复举报")


# Triage decides once: a report leaves "received" for one of these and stays there.
TRIAGED_STATES = (ReportState.ACCEPTED, ReportState.REJECTED, ReportState.DUPLICATE)


class LocatedBy(models.TextChoices):
    POINT = "point", _("按定位落格")
    CHOSEN = "chosen", _("举报人选择的乡镇")
    DEFAULT = "default", _("未指明（县级）")


class SubmittedVia(models.TextChoices):
    PAGE = "page", _("举报网页")
    API = "api", _("接口")
    DEMO = "demo", _("演示数据")
