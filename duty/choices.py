"""Vocabularies of the duty app (值班值守)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DutyRole(models.TextChoices):
    """Who stands a shift: the duty officer(s) (值班员) and the leading official (带班领导)."""

    OFFICER = "officer", _("值班员")
    LEADER = "leader", _("带班领导")


class ChangeKind(models.TextChoices):
    """Why an assignment was replaced: a swap between two people or a one-sided override."""

    SWAP = "swap", _("换班")
    OVERRIDE = "override", _("替班")
