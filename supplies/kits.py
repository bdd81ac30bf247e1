"""Village kit compliance (村级标准配备): what each village has, lacks and has expired.

Computed for a whole subtree in three queries (villages, kit items, usable-or-expired
stock of the subtree), whatever the number of villages, then matched in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from supplies.choices import KitItemStatus
from supplies.models import KitTemplate, KitTemplateItem, Supply
from yingji.scoping import path_codes


@dataclass
class ItemResult:
    """One kit item at one village."""

    item: KitTemplateItem
    present: int = 0
    expired: int = 0

    @property
    def required(self) -> int:
        return self.item.required_quantity

    @property
    def missing(self) -> int:
        return max(self.required - self.present, 0)

    @property
    def status(self) -> str:
        if self.missing == 0:
            return KitItemStatus.OK
        if self.expired and self.present + self.expired >= self.required:
            return KitItemStatus.EXPIRED
        return KitItemStatus.MISSING

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.item.name,
            "group": self.item.group,
            "item_code": self.item.item_code,
            "required": self.required,
            "present": self.present,
            "missing": self.missing,
            "expired": self.expired,
            "status": self.status,
        }


@dataclass
class VillageResult:
    village: Jurisdiction
    township: Jurisdiction | None
    items: list[ItemResult] = field(default_factory=list)

    @property
    def compliant(self) -> bool:
        return all(r.missing == 0 for r in self.items)

    @property
    def missing_items(self) -> list[str]:
        return [r.item.name for r in self.items if r.missing]

    @property
    def expired_items(self) -> list[str]:
        return [r.item.name for r in self.items if r.expired]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.village.code,
            "name": self.village.name,
            "jurisdiction_code": self.village.code,
            "township_code": self.township.code if self.township else None,
            "township_name": self.township.name if self.township else None,
            "compliant": self.compliant,
            "items": [r.as_dict() for r in self.items],
            "missing_items": self.missing_items,
            "expired_items": self.expired_items,
        }


@dataclass
class TownshipRollup:
    township: Jurisdiction
    total: int = 0
    compliant: int = 0

    @property
    def rate(self) -> float:
        return round(self.compliant / self.total, 4) if self.total else 0.0


@dataclass
class Compliance:
    root: Jurisdiction
    template: KitTemplate
    items: list[KitTemplateItem]
    villages: list[VillageResult]
    as_of: date

    @property
    def total(self) -> int:
        return len(self.villages)

    @property
    def compliant(self) -> int:
        return sum(1 for v in self.villages if v.compliant)

    @property
    def rate(self) -> float:
        return round(self.compliant / self.total, 4) if self.total else 0.0

    def townships(self) -> list[TownshipRollup]:
        rollups: dict[int, TownshipRollup] = {}
        for result in self.villages:
            if result.township is None:
                continue
            rollup = rollups.setdefault(result.township.pk, TownshipRollup(result.township))
            rollup.total += 1
            rollup.compliant += int(result.compliant)
        return sorted(rollups.values(), key=lambda r: r.township.path)

    def by_township(self) -> list[tuple[TownshipRollup, list[VillageResult]]]:
        grouped: dict[int, list[VillageResult]] = defaultdict(list)
        for result in self.villages:
            if result.township is not None:
                grouped[result.township.pk].append(result)
        return [(rollup, grouped[rollup.township.pk]) for rollup in self.townships()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": {"code": self.root.code, "name": self.root.name, "level": self.root.level},
            "template": {"code": self.template.code, "name": self.template.name},
            "as_of": self.as_of.isoformat(),
            "rollup": {
                "total": self.total,
                "compliant": self.compliant,
                "rate": self.rate,
                "townships": [
                    {"code": r.township.code, "name": r.township.name, "total": r.total, "compliant": r.compliant, "rate": r.rate}
                    for r in self.townships()
                ],
            },
            "villages": [v.as_dict() for v in self.villages],
        }


def default_template() -> KitTemplate:
    template = KitTemplate.objects.filter(is_active=True, level=Level.VILLAGE).order_by("code").first()
    if template is None:
        raise ValidationError({"template": "没有启用的村级配备标准；请县级管理员在“配备标准”中启用一个"})
    return template


def matches(item: KitTemplateItem, name: str, item_code: str, category_id: int) -> bool:
    if item.item_code and item_code:
        return item.item_code == item_code
    if item.category_id is not None and item.category_id != category_id:
        return False
    return any(keyword in name for keyword in item.keyword_list)


def compliance_for(root: Jurisdiction, template: KitTemplate | None = None, today: date | None = None) -> Compliance:
    """Compliance of every village in `root`'s subtree (root may itself be a village).

    A supply counts for the village whose subtree holds its storage point, and for the
    first kit item it matches (template order), so one stock line is never counted twice.
    Stock is usable when it is not archived and, for items where expiry matters, not past
    its expiry date; expired stock of such items is reported as `expired`, not `present`.
    """
    if root.level == Level.GRID:
        raise ValidationError({"jurisdiction": f"{root.name}是网格；请提供县、乡镇(街道)或村(社区)的代码"})
    template = template or default_template()
    today = today or timezone.localdate()
    items = list(KitTemplateItem.objects.filter(template=template).order_by("sort_order", "id"))
    villages = list(
        Jurisdiction.objects.filter(level=Level.VILLAGE, path__within=root.path, archived_at__isnull=True)
        .select_related("parent")
        .defer("boundary", "parent__boundary")
        .order_by("path")
    )
    results = {v.code: VillageResult(v, v.parent if v.parent and v.parent.level == Level.TOWNSHIP else None) for v in villages}
    for result in results.values():
        result.items = [ItemResult(item) for item in items]
    stock = (
        Supply.objects.filter(jurisdiction_path__within=root.path, archived_at__isnull=True, quantity__gt=0)
        .values_list("jurisdiction_path", "name", "item_code", "category_id", "quantity", "expiry_date")
        .order_by()
    )
    for path, name, item_code, category_id, quantity, expiry in stock:
        village = next((results[c] for c in path_codes(path) if c in results), None)
        if village is None:
            continue
        for cell in village.items:
            if matches(cell.item, name, item_code, category_id):
                if cell.item.expiry_matters and expiry is not None and expiry < today:
                    cell.expired += quantity
                else:
                    cell.present += quantity
                break
    return Compliance(root=root, template=template, items=items, villages=list(results.values()), as_of=today)
