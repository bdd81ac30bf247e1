"""What a place kind suggests for the aid: the GB 35181 category and the 令第10号 industry.

Suggestions only; the user can change them on the page. The sources:
- crowded (人员密集场所): `PlaceKind.is_crowded`, set from 消防法 第七十三条 (rules.md §4.4);
- flammable (易燃易爆危险品场所): the 危险化学品单位 family and fireworks factories;
- 重要场所 cannot be derived from a kind (it is a judgement, 2017 §3.6) and is never suggested.

The industry map turns `PlaceKind.industry` (free text in the places taxonomy) into the eight
industries of 令第10号 第二条. It is a reading of the 工贸行业 scope, not a quoted rule: food
and wood processing belong to 轻工, ship and electronics manufacture to 机械, knitwear and dyeing
to 纺织. 化工 and 烟花爆竹 are outside 令第10号 (their own major-hazard rules apply).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from hazardrules.choices import FireCategory, Industry

INDUSTRY_BY_KIND_INDUSTRY: dict[str, str] = {
    "纺织": Industry.TEXTILE,
    "针织服装": Industry.TEXTILE,
    "印染": Industry.TEXTILE,
    "机械": Industry.MACHINERY,
    "船舶修造": Industry.MACHINERY,
    "电子电器": Industry.MACHINERY,
    "木制品": Industry.LIGHT,
    "水产品加工": Industry.LIGHT,
    "冶金": Industry.METALLURGY,
    "有色": Industry.NONFERROUS,
    "建材": Industry.BUILDING_MATERIALS,
    "轻工": Industry.LIGHT,
    "烟草": Industry.TOBACCO,
    "商贸": Industry.TRADE,
}
# Kinds without an `industry` that are commercial firms (批发零售、仓储) under 商贸.
TRADE_KIND_CODES = frozenset({"pg_mall", "pg_market", "sp_shop", "warehouse"})
# Industries whose enterprises usually carry the cross-cutting risks of 第十一–十三条.
DUST_INDUSTRIES = frozenset({"木制品"})
AMMONIA_INDUSTRIES = frozenset({"水产品加工"})
FLAMMABLE_KIND_CODES = frozenset({"ind_fireworks"})
OUTSIDE_MEM10 = frozenset({"化工", "烟花爆竹"})


@dataclass(frozen=True)
class Suggestion:
    category: str
    category_reason: str
    industry: str
    industry_reason: str
    dust: bool = False
    ammonia: bool = False


def suggest(kind: object | None) -> Suggestion:
    """Suggest category and industry from a `places.models.PlaceKind` (or None)."""
    if kind is None:
        return Suggestion(FireCategory.OTHER, _("未关联场所，默认按其他场所"), "", "")
    code = str(getattr(kind, "code", ""))
    name = str(getattr(kind, "name", ""))
    kind_industry = str(getattr(kind, "industry", "") or "")
    if getattr(kind, "is_crowded", False) or getattr(kind, "is_public_gathering", False):
        category, reason = (
            FireCategory.CROWDED,
            _("场所类型“%(name)s”属人员密集场所（消防法第七十三条）") % {"name": name},
        )
    elif getattr(kind, "category", "") == "hazchem" or code in FLAMMABLE_KIND_CODES:
        category, reason = (
            FireCategory.FLAMMABLE,
            _("场所类型“%(name)s”生产、储存或经营易燃易爆危险品") % {"name": name},
        )
    else:
        category, reason = (
            FireCategory.OTHER,
            _("场所类型“%(name)s”不属人员密集或易燃易爆场所；重要场所须人工认定") % {"name": name},
        )
    industry = INDUSTRY_BY_KIND_INDUSTRY.get(kind_industry, "")
    if not industry and code in TRADE_KIND_CODES:
        industry = Industry.TRADE
    if industry:
        ind_reason = _("场所类型“%(name)s”对应令第10号的“%(industry)s”行业") % {"name": name, "industry": industry}
    elif kind_industry in OUTSIDE_MEM10:
        ind_reason = _("“%(industry)s”企业不适用令第10号，按其专门的重大隐患判定标准") % {"industry": kind_industry}
    else:
        ind_reason = ""
    return Suggestion(
        category,
        reason,
        str(industry),
        ind_reason,
        dust=kind_industry in DUST_INDUSTRIES,
        ammonia=kind_industry in AMMONIA_INDUSTRIES,
    )
