"""Fixed vocabularies of the place registry (the configurable taxonomy is `PlaceKind`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceCategory(models.TextChoices):
    """The broad family a place kind belongs to; rules (staffing, risk, 九小) key on it."""

    INDUSTRIAL = "industrial", _("工业企业")
    HAZCHEM = "hazchem", _("危险化学品单位")
    SMALL_PLACE = "small_place", _("九小场所")
    RENTAL_HOUSE = "rental_house", _("居住出租房")
    SELF_BUILT = "self_built", _("经营性自建房")
    CONSTRUCTION = "construction", _("在建工地")
    CROWDED = "crowded", _("人员密集场所")
    PUBLIC_GATHERING = "public_gathering", _("公众聚集场所")
    ELDERLY_CARE = "elderly_care", _("养老机构")
    SCHOOL = "school", _("学校")
    CLINIC = "clinic", _("医疗机构")
    FARMSTAY = "farmstay", _("农家乐（民宿）")
    WAREHOUSE = "warehouse", _("仓库")
    MIXED_USE = "mixed_use", _("多业态混合/三合一场所")
    OTHER = "other", _("其他")


class StaffingGroup(models.TextChoices):
    """Which term of the seed 000 staffing ratio a place counts towards."""

    INDUSTRIAL = "industrial", _("工业企业")
    COMMERCIAL = "commercial", _("商业场所")
    RENTAL = "rental", _("出租房")
    NONE = "", _("不计入")


class OccupancyStatus(models.TextChoices):
    OPERATING = "operating", _("营业")
    SUSPENDED = "suspended", _("停业")
    DEMOLISHED = "demolished", _("拆除")


class RiskGrade(models.TextChoices):
    """风险等级, most severe first; colours per the four-colour convention (红橙黄蓝)."""

    MAJOR = "major", _("重大风险")
    LARGE = "large", _("较大风险")
    GENERAL = "general", _("一般风险")
    LOW = "low", _("低风险")

    @property
    def colour(self) -> str:
        return {"major": "red", "large": "orange", "general": "yellow", "low": "blue"}[self.value]

    @property
    def rank(self) -> int:
        """4 for 重大 down to 1 for 低, so grades compare and sort numerically."""
        return {"major": 4, "large": 3, "general": 2, "low": 1}[self.value]


class LocationSource(models.TextChoices):
    """How the place's grid was decided."""

    POINT_IN_POLYGON = "auto", _("按坐标自动落格")
    MANUAL = "manual", _("人工指定")
    UNLOCATED = "none", _("无坐标，按录入辖区")
