"""The three yearly responsibility letters of seed 000."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LetterKind(models.TextChoices):
    SAFETY = "safety", _("安全生产责任状")
    FIRE = "fire", _("消防安全责任状")
    FLOOD = "flood", _("防汛防台责任状")
