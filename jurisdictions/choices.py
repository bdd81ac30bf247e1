"""Vocabularies of the jurisdiction tree (行政区划)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The four levels of the tree, top to bottom."""

    COUNTY = "county", _("县（市、区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")
    GRID = "grid", _("网格")


LEVEL_ORDER = [Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE, Level.GRID]
CHILD_LEVEL = {LEVEL_ORDER[i]: LEVEL_ORDER[i + 1] for i in range(len(LEVEL_ORDER) - 1)}
# Length of the administrative code at each level (统计用区划代码; grids add 3 digits).
CODE_LENGTH = {Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12, Level.GRID: 15}


class Kind(models.TextChoices):
    """What a node is called locally: a township may be a 街道, 镇 or 乡."""

    COUNTY = "county", _("县")
    DISTRICT = "district", _("区")
    CITY = "city", _("县级市")
    STREET = "street", _("街道")
    TOWN = "town", _("镇")
    XIANG = "xiang", _("乡")
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")
    GRID = "grid", _("网格")


KINDS_BY_LEVEL = {
    Level.COUNTY: {Kind.COUNTY, Kind.DISTRICT, Kind.CITY},
    Level.TOWNSHIP: {Kind.STREET, Kind.TOWN, Kind.XIANG},
    Level.VILLAGE: {Kind.COMMUNITY, Kind.VILLAGE},
    Level.GRID: {Kind.GRID},
}
