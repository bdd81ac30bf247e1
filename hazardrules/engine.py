"""The decision engine: GB 35181 major fire hazards and the 令第10号 catalogue.

`determine_fire` follows the algorithm of rules.md §2.5 on the rule table in force on the
date of the finding (rules.md §0.2: historical records are judged under the rules of their
time). It never falls back to an older table: a date covered by a table without elements
(GB 35181-2025 until it is loaded) is refused with a message that says what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hazardrules.choices import ElementKind, FireCategory, Industry, ItemScope, TableStatus, Verification
from hazardrules.models import IndustryItem, RuleElement, RuleTable


class RuleTableUnavailable(ValidationError):
    """No usable rule table for the date: none in force, or the one in force is not loaded."""


@dataclass(frozen=True)
class Determination:
    """The outcome of a GB 35181 judgement, with the codes it rests on."""

    major: bool
    basis: list[str]
    rule_version: str
    explanation: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Item:
    """One entry of 应急管理部令第10号 as shown in a checklist."""

    regulation: str
    code: str
    article: int
    article_label: str
    number: int
    number_label: str
    scope: str
    industry: str
    text: str
    decisive: bool
    verification: str
    flagged: bool

    @property
    def label(self) -> str:
        return f"{self.article_label}{self.number_label}"


@dataclass(frozen=True)
class IndustryResult:
    """Whether ticked 令第10号 items make a major accident hazard."""

    major: bool
    basis: list[str]
    regulation: str
    explanation: list[str]


def local_today() -> date:
    return timezone.localdate()


# --- GB 35181 -----------------------------------------------------------------------


def table_for(on: date) -> RuleTable:
    """The table in force on `on`: the newest whose `effective_from` is not after it.

    A draft or empty table in force is refused, never skipped: judging a 2025 finding
    under the 2017 table would be silently wrong.
    """
    table = RuleTable.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if table is None:
        first = RuleTable.objects.order_by("effective_from").first()
        raise RuleTableUnavailable(
            _("%(date)s 没有施行中的重大火灾隐患判定规则表（已录入的最早版本 %(code)s 自 %(from)s 起施行）。")
            % {
                "date": on.isoformat(),
                "code": first.code if first else "—",
                "from": first.effective_from.isoformat() if first else "—",
            },
            code="no_table",
        )
    if table.status != TableStatus.PUBLISHED or not table.elements.exists():
        previous = RuleTable.objects.filter(effective_from__lt=table.effective_from).order_by("-effective_from").first()
        before = (
            _("如需按 %(prev)s 判定，请使用 %(day)s 之前的日期；")
            % {"prev": previous.code, "day": table.effective_from.isoformat()}
            if previous
            else ""
        )
        raise RuleTableUnavailable(
            _(
                "%(date)s 适用的规则表 %(code)s 尚未录入判定要素（状态：%(status)s），不能判定。"
                "%(before)s否则请县级管理员在“规则表”页录入并发布 %(code)s。"
            )
            % {
                "date": on.isoformat(),
                "code": table.code,
                "status": table.get_status_display() if table.elements.exists() else _("无要素"),
                "before": before,
            },
            code="table_not_loaded",
        )
    return table


def _clean(codes: Iterable[str] | None) -> list[str]:
    """Strip and de-duplicate, keeping the caller's order."""
    seen: dict[str, None] = {}
    for code in codes or ():
        text = str(code).strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


_FIELD_KIND = {"direct": ElementKind.DIRECT, "composite": ElementKind.COMPOSITE, "exclusions": ElementKind.EXCLUSION}


def determine_fire(
    on: date,
    category: str,
    direct: Iterable[str] | None,
    composite: Iterable[str] | None,
    exclusions: Iterable[str] | None,
) -> Determination:
    """Judge whether findings make a major fire hazard (rules.md §2.5).

    exclusion (5.1.3) → not major; any direct element → major; otherwise the composite
    rules for the category, in table order; none met → not major.
    """
    if category not in FireCategory.values:
        raise ValidationError(
            {
                "category": _("未知的场所类别“%(value)s”，应为 %(allowed)s 之一。")
                % {"value": category, "allowed": "、".join(FireCategory.values)}
            }
        )
    table = table_for(on)
    elements = {e.code: e for e in RuleElement.objects.filter(table=table).order_by("order", "id")}
    given = {"direct": _clean(direct), "composite": _clean(composite), "exclusions": _clean(exclusions)}

    errors: dict[str, list[str]] = {}
    for name, codes in given.items():
        unknown = [c for c in codes if c not in elements]
        if unknown:
            errors.setdefault(name, []).append(
                _("%(table)s 中没有这些条款：%(codes)s。") % {"table": table.code, "codes": "、".join(unknown)}
            )
        wrong = [c for c in codes if c in elements and elements[c].kind != _FIELD_KIND[name]]
        for code in wrong:
            errors.setdefault(name, []).append(
                _("%(code)s 是%(kind)s，不能填在“%(field)s”中。")
                % {"code": code, "kind": elements[code].get_kind_display(), "field": str(_FIELD_KIND[name].label)}
            )
    if errors:
        raise ValidationError(errors)

    def ordered(codes: Iterable[str]) -> list[str]:
        return sorted(codes, key=lambda c: (elements[c].order, c))

    cat_label = str(FireCategory(category).label)
    if given["exclusions"]:
        basis = ordered(given["exclusions"])
        return Determination(
            major=False,
            basis=basis,
            rule_version=table.code,
            explanation=[
                _("存在 §5.1.3 不应判定为重大火灾隐患的情形：%(codes)s，不判定为重大火灾隐患（先于其他要素适用）。")
                % {"codes": "、".join(basis)}
            ],
        )
    if given["direct"]:
        basis = ordered(given["direct"])
        return Determination(
            major=True,
            basis=basis,
            rule_version=table.code,
            explanation=[
                _("存在直接判定要素 %(codes)s，直接判定为重大火灾隐患（§5.2）。") % {"codes": "、".join(basis)}
            ],
        )

    present = ordered(given["composite"])
    all_composite = [c for c, e in elements.items() if e.kind == ElementKind.COMPOSITE]
    notes: list[str] = []
    applicable = [r for r in table.rules.order_by("order", "id") if category in r.categories]
    if not applicable:
        raise ValidationError(
            {
                "category": _("%(table)s 没有适用于“%(cat)s”的综合判定规则，请选择该版本定义的场所类别。")
                % {"table": table.code, "cat": cat_label}
            }
        )
    for rule in applicable:
        counted = set(rule.counted or all_composite)
        hits = [c for c in present if c in counted]
        scope = _("计数范围内") if rule.counted else _("第 7 章任意")
        flag = _("（阈值为 [R]，须以官方文本核对）") if rule.flagged else ""
        if len(hits) >= rule.threshold:
            return Determination(
                major=True,
                basis=hits,
                rule_version=table.code,
                explanation=[
                    _(
                        "%(cat)s：%(scope)s综合判定要素 %(n)s 条（%(codes)s），达到规则 %(label)s) 的 %(t)s 条（含本数），"
                        "判定为重大火灾隐患。%(flag)s"
                    )
                    % {
                        "cat": cat_label,
                        "scope": scope,
                        "n": len(hits),
                        "codes": "、".join(hits),
                        "label": rule.label,
                        "t": rule.threshold,
                        "flag": flag,
                    }
                ],
            )
        notes.append(
            _("规则 %(label)s)：%(scope)s综合判定要素 %(n)s 条，未达到 %(t)s 条。%(flag)s")
            % {"label": rule.label, "scope": scope, "n": len(hits), "t": rule.threshold, "flag": flag}
        )
    if not present:
        lead = _("未勾选直接判定要素和综合判定要素。")
    else:
        lead = _("未见直接判定要素；%(cat)s共有综合判定要素 %(n)s 条（%(codes)s）。") % {
            "cat": cat_label,
            "n": len(present),
            "codes": "、".join(present),
        }
    return Determination(
        major=False,
        basis=[],
        rule_version=table.code,
        explanation=[lead, *notes, _("不判定为重大火灾隐患。")],
    )


def fire_tables() -> list[dict[str, Any]]:
    """Every table with its elements and rules, for the API and the tables page."""
    out: list[dict[str, Any]] = []
    tables = list(RuleTable.objects.order_by("effective_from").prefetch_related("elements", "rules"))
    for i, table in enumerate(tables):
        until = tables[i + 1].effective_from if i + 1 < len(tables) else None
        out.append(
            {
                "code": table.code,
                "name": table.name,
                "effective_from": table.effective_from,
                "effective_until": (until - timedelta(days=1)) if until else None,
                "status": table.status,
                "usable": table.is_published and bool(table.elements.all()),
                "source": table.source,
                "note": table.note,
                "elements": [
                    {
                        "code": e.code,
                        "kind": e.kind,
                        "group": e.group,
                        "group_title": e.group_title,
                        "text": e.text,
                        "verification": e.get_verification_display(),
                    }
                    for e in sorted(table.elements.all(), key=lambda e: (e.order, e.id))
                ],
                "rules": [
                    {
                        "label": r.label,
                        "categories": list(r.categories),
                        "counted": list(r.counted),
                        "threshold": r.threshold,
                        "text": r.text,
                        "verification": r.get_verification_display(),
                    }
                    for r in sorted(table.rules.all(), key=lambda r: (r.order, r.id))
                ],
            }
        )
    return out


# --- 应急管理部令第10号 ----------------------------------------------------------------


def _items_in_force(on: date) -> Any:
    items = IndustryItem.objects.filter(effective_from__lte=on).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=on)
    )
    if not items.exists():
        first = IndustryItem.objects.order_by("effective_from").first()
        raise ValidationError(
            {
                "date": _(
                    "%(date)s 没有施行中的工贸企业重大事故隐患判定条目（应急管理部令第10号自 %(from)s 起施行；"
                    "此前的 2017 版判定标准未录入）。"
                )
                % {"date": on.isoformat(), "from": first.effective_from.isoformat() if first else "—"}
            }
        )
    return items


def industry_items(
    industry: str,
    on: date | None = None,
    *,
    dust: bool = False,
    ammonia: bool = False,
    confined_space: bool = False,
) -> list[Item]:
    """The 令第10号 items for an enterprise of `industry`, in article order.

    Always the 第二条 scope note (hazards of 危险化学品/消防/燃气/特种设备 go to their own
    rules), 第三条 and 第十四条 (every enterprise), the industry's own article (商贸 has
    none), and 第十一–十三条 when the enterprise has dust, ammonia refrigeration or
    confined-space work.
    """
    if industry not in Industry.values:
        raise ValidationError(
            {
                "industry": _("未知的行业“%(value)s”，应为 %(allowed)s 之一。")
                % {"value": industry, "allowed": "、".join(Industry.values)}
            }
        )
    scopes = [ItemScope.SCOPE_NOTE, ItemScope.ALL]
    if dust:
        scopes.append(ItemScope.DUST)
    if ammonia:
        scopes.append(ItemScope.AMMONIA)
    if confined_space:
        scopes.append(ItemScope.CONFINED_SPACE)
    rows = (
        _items_in_force(on or local_today())
        .filter(Q(scope__in=scopes) | Q(scope=ItemScope.INDUSTRY, industry=industry))
        .order_by("article", "number")
    )
    return [
        Item(
            regulation=r.regulation,
            code=r.code,
            article=r.article,
            article_label=r.article_label,
            number=r.number,
            number_label=r.number_label,
            scope=r.scope,
            industry=r.industry,
            text=r.text,
            decisive=r.decisive,
            verification=r.get_verification_display(),
            flagged=r.verification in Verification.flagged(),
        )
        for r in rows
    ]


def determine_industry(
    industry: str,
    codes: Iterable[str],
    on: date | None = None,
    *,
    dust: bool = False,
    ammonia: bool = False,
    confined_space: bool = False,
) -> IndustryResult:
    """Any ticked decisive item is itself a major accident hazard (each article says
    "有下列情形之一的，应当判定为重大事故隐患")."""
    items = {
        i.code: i
        for i in industry_items(industry, on, dust=dust, ammonia=ammonia, confined_space=confined_space)
        if i.decisive
    }
    ticked = _clean(codes)
    unknown = [c for c in ticked if c not in items]
    if unknown:
        raise ValidationError(
            {"items": _("这些条目不适用于所选行业或不存在：%(codes)s。") % {"codes": "、".join(unknown)}}
        )
    basis = [c for c in items if c in ticked]
    regulation = next(iter(items.values())).regulation if items else ""
    if basis:
        labels = "、".join(items[c].label for c in basis)
        return IndustryResult(
            True,
            basis,
            regulation,
            [_("符合应急管理部令第10号 %(labels)s，应当判定为重大事故隐患。") % {"labels": labels}],
        )
    return IndustryResult(False, [], regulation, [_("未勾选令第10号的判定条目。")])
