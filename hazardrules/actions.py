"""Changes to the rule tables (CONFIGURE_RULES: county administrators).

A draft table (GB 35181-2025 as shipped) is filled in element by element or by pasting
lines, then published; only a published table decides anything. A published table keeps its
codes, kinds and thresholds (past judgements rest on them); only the wording and the
verification label of its rows may be corrected, e.g. when an [R] row is checked against the
official text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Capability
from hazardrules.choices import ElementKind, FireCategory, TableStatus, Verification
from hazardrules.models import CompositeRule, RuleElement, RuleTable
from yingji.actions import locked, require

_KIND_WORDS = {
    "direct": ElementKind.DIRECT,
    "直接": ElementKind.DIRECT,
    "composite": ElementKind.COMPOSITE,
    "综合": ElementKind.COMPOSITE,
    "exclusion": ElementKind.EXCLUSION,
    "排除": ElementKind.EXCLUSION,
    "不应判定": ElementKind.EXCLUSION,
}


def _verification(value: str) -> str:
    value = value.strip().strip("[]")
    if value not in Verification.values:
        raise ValidationError(
            {"verification": _("核验程度应为 %(allowed)s 之一。") % {"allowed": "、".join(Verification.values)}}
        )
    return value


def _draft(table: RuleTable) -> RuleTable:
    table = locked(table)
    if table.status != TableStatus.DRAFT:
        raise ValidationError(
            _("%(code)s 已发布，条款号、要素类型和判定规则不能再改；只能更正条文和核验程度。") % {"code": table.code}
        )
    return table


def create_table(
    user: Any, *, code: str, name: str, effective_from: date, source: str = "", note: str = ""
) -> RuleTable:
    """Register a new edition (as an empty draft) in force from `effective_from`."""
    require(user, Capability.CONFIGURE_RULES)
    code = code.strip()
    if not code or RuleTable.objects.filter(code=code).exists():
        raise ValidationError({"code": _("版本代码不能为空且不能与已有版本重复。")})
    if RuleTable.objects.filter(effective_from=effective_from).exists():
        raise ValidationError({"effective_from": _("已有版本在同一天施行，请核对施行日期。")})
    return RuleTable.objects.create(
        code=code, name=name.strip() or code, effective_from=effective_from, source=source, note=note
    )


def add_element(
    user: Any,
    table: RuleTable,
    *,
    code: str,
    kind: str,
    group: str,
    text: str,
    verification: str,
    group_title: str = "",
) -> RuleElement:
    """Add one element to a draft table."""
    require(user, Capability.CONFIGURE_RULES)
    with transaction.atomic():
        table = _draft(table)
        return _add_element(table, code, kind, group, group_title, text, verification)


def _add_element(
    table: RuleTable, code: str, kind: str, group: str, group_title: str, text: str, verification: str
) -> RuleElement:
    code = code.strip()
    kind_value = _KIND_WORDS.get(kind.strip())
    if not code or len(code) > 16:
        raise ValidationError({"code": _("条款号不能为空，且不超过 16 个字符。")})
    if kind_value is None:
        raise ValidationError({"kind": _("要素类型应为 direct（直接）、composite（综合）或 exclusion（排除）。")})
    if not text.strip():
        raise ValidationError({"text": _("请填写条文。")})
    if table.elements.filter(code=code).exists():
        raise ValidationError({"code": _("%(table)s 中已有条款 %(code)s。") % {"table": table.code, "code": code}})
    last = table.elements.order_by("-order").values_list("order", flat=True).first() or 0
    return RuleElement.objects.create(
        table=table,
        code=code,
        kind=kind_value,
        group=group.strip() or code.rsplit(".", 1)[0],
        group_title=group_title.strip(),
        text=text.strip(),
        verification=_verification(verification),
        order=last + 10,
    )


def load_elements(user: Any, table: RuleTable, lines: str) -> int:
    """Add many elements at once, one per line: ``code | kind | group | verification | text``.

    All lines or none: a bad line is reported with its number and nothing is saved.
    """
    require(user, Capability.CONFIGURE_RULES)
    rows = [line for line in lines.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise ValidationError({"lines": _("没有可导入的行。")})
    with transaction.atomic():
        table = _draft(table)
        for number, line in enumerate(rows, start=1):
            parts = [p.strip() for p in line.split("|", 4)]
            if len(parts) != 5:
                raise ValidationError(
                    {"lines": _("第 %(n)s 行应为“条款号 | 类型 | 章节 | 核验程度 | 条文”五段。") % {"n": number}}
                )
            try:
                _add_element(table, parts[0], parts[1], parts[2], "", parts[4], parts[3])
            except ValidationError as exc:
                raise ValidationError(
                    {"lines": _("第 %(n)s 行：%(msg)s") % {"n": number, "msg": "；".join(exc.messages)}}
                ) from exc
        return len(rows)


def update_element(user: Any, element: RuleElement, *, text: str, verification: str) -> RuleElement:
    """Correct the wording or the verification label (allowed on published tables too)."""
    require(user, Capability.CONFIGURE_RULES)
    if not text.strip():
        raise ValidationError({"text": _("请填写条文。")})
    with transaction.atomic():
        element = locked(element)
        element.text = text.strip()
        element.verification = _verification(verification)
        element.save(update_fields=["text", "verification", "updated_at"])
    return element


def remove_element(user: Any, element: RuleElement) -> None:
    """Take a mistyped element out of a draft table (a published table is never edited)."""
    require(user, Capability.CONFIGURE_RULES)
    with transaction.atomic():
        _draft(element.table)
        if any(element.code in r.counted for r in element.table.rules.all()):
            raise ValidationError(_("综合判定规则仍计数 %(code)s，请先修改该规则。") % {"code": element.code})
        element.delete()


def add_rule(
    user: Any,
    table: RuleTable,
    *,
    label: str,
    categories: Iterable[str],
    counted: Iterable[str],
    threshold: int,
    text: str,
    verification: str,
) -> CompositeRule:
    """Add a composite rule: for `categories`, ≥ `threshold` of `counted` (empty: any composite)."""
    require(user, Capability.CONFIGURE_RULES)
    with transaction.atomic():
        table = _draft(table)
        cats = [c.strip() for c in categories if c.strip()]
        bad = [c for c in cats if c not in FireCategory.values]
        if not cats or bad:
            raise ValidationError(
                {
                    "categories": _("场所类别应为 %(allowed)s 中的一个或多个。")
                    % {"allowed": "、".join(FireCategory.values)}
                }
            )
        codes = [c.strip() for c in counted if c.strip()]
        composite = set(table.elements.filter(kind=ElementKind.COMPOSITE).values_list("code", flat=True))
        missing = [c for c in codes if c not in composite]
        if missing:
            raise ValidationError(
                {"counted": _("这些条款不是本表的综合判定要素，请先录入：%(codes)s。") % {"codes": "、".join(missing)}}
            )
        if threshold < 1:
            raise ValidationError({"threshold": _("条数阈值至少为 1。")})
        label = label.strip()
        if not label or table.rules.filter(label=label).exists():
            raise ValidationError({"label": _("规则条目不能为空且不能重复。")})
        last = table.rules.order_by("-order").values_list("order", flat=True).first() or 0
        return CompositeRule.objects.create(
            table=table,
            label=label,
            categories=cats,
            counted=codes,
            threshold=threshold,
            text=text.strip() or label,
            verification=_verification(verification),
            order=last + 10,
        )


def publish_table(user: Any, table: RuleTable) -> RuleTable:
    """Make a filled-in draft decide: it needs direct and composite elements and a rule."""
    require(user, Capability.CONFIGURE_RULES)
    with transaction.atomic():
        table = _draft(table)
        kinds = set(table.elements.values_list("kind", flat=True))
        problems = []
        if ElementKind.DIRECT not in kinds:
            problems.append(_("没有直接判定要素"))
        if ElementKind.COMPOSITE not in kinds:
            problems.append(_("没有综合判定要素"))
        if not table.rules.exists():
            problems.append(_("没有综合判定规则"))
        if problems:
            raise ValidationError(
                _("%(code)s 还不能发布：%(list)s。") % {"code": table.code, "list": "、".join(problems)}
            )
        table.status = TableStatus.PUBLISHED
        table.save(update_fields=["status", "updated_at"])
    return table
