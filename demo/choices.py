"""Vocabulary of the demo seeder."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scale(models.TextChoices):
    """How much of the demo county to load."""

    SMALL = "small", _("小规模")
    COUNTY = "county", _("全县")
