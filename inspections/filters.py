"""The filters of the inspection list, shared by the page, the API and the Excel export."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from inspections.choices import InspectionKind, InspectionResult, InspectionState

FILTER_KEYS = ("kind", "result", "state", "place", "date_from", "date_to", "jurisdiction")


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: "日期格式应为 YYYY-MM-DD"}) from None


def filter_inspections(queryset: QuerySet[Any], params: Mapping[str, Any]) -> QuerySet[Any]:
    """Narrow a (scoped) queryset by the list's filters; a bad value is a ValidationError, not an empty list."""
    value = {key: str(params.get(key) or "").strip() for key in FILTER_KEYS}
    if value["kind"]:
        if value["kind"] not in InspectionKind.values:
            raise ValidationError({"kind": "检查类型应为 supervision、patrol 或 self_inspection"})
        queryset = queryset.filter(kind=value["kind"])
    if value["result"]:
        if value["result"] not in InspectionResult.values:
            raise ValidationError({"result": "检查结果应为 passed 或 failed"})
        queryset = queryset.filter(result=value["result"])
    if value["state"]:
        if value["state"] not in InspectionState.values:
            raise ValidationError({"state": "状态应为 draft 或 submitted"})
        queryset = queryset.filter(state=value["state"])
    if value["place"]:
        if not value["place"].isdigit():
            raise ValidationError({"place": "场所编号应为数字"})
        queryset = queryset.filter(place_id=int(value["place"]))
    if value["date_from"]:
        queryset = queryset.filter(started_at__date__gte=_date(value["date_from"], "date_from"))
    if value["date_to"]:
        queryset = queryset.filter(started_at__date__lte=_date(value["date_to"], "date_to"))
    if value["jurisdiction"]:
        from jurisdictions.models import Jurisdiction

        node = Jurisdiction.objects.filter(code=value["jurisdiction"]).first()
        if node is None:
            raise ValidationError({"jurisdiction": "辖区代码不存在或不在您的辖区范围内"})
        queryset = queryset.filter(jurisdiction_path__within=node.path)
    return queryset
