"""JSON API of the decision aid: GB 35181 major fire hazards and 令第10号 items.

The determination endpoints compute and change nothing, so any logged-in user may call
them; changing the rule tables needs CONFIGURE_RULES (checked in `hazardrules.actions`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from hazardrules import actions, engine
from hazardrules.models import RuleTable
from yingji.api import ErrorOut

router = Router(tags=["重大隐患判定"])

Code = Annotated[str, StringConstraints(max_length=20)]

_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MajorFireIn(Schema):
    date: dt.date = Field(..., description="检查或发现隐患的日期，按该日施行的规则表判定")
    category: str = Field(..., description="crowded|flammable|important|other")
    direct: list[Code] = Field(default_factory=list, max_length=50, description="直接判定要素条款号，如 6.6")
    composite: list[Code] = Field(default_factory=list, max_length=100, description="综合判定要素条款号，如 7.3.3")
    exclusions: list[Code] = Field(default_factory=list, max_length=10, description="5.1.3a、5.1.3b、5.1.3c")


class MajorFireOut(Schema):
    major: bool
    basis: list[str]
    rule_version: str
    explanation: list[str]


class ElementOut(Schema):
    code: str
    kind: str
    group: str
    group_title: str
    text: str
    verification: str


class RuleOut(Schema):
    label: str
    categories: list[str]
    counted: list[str]
    threshold: int
    text: str
    verification: str


class TableOut(Schema):
    code: str
    name: str
    effective_from: dt.date
    effective_until: dt.date | None
    status: str
    usable: bool
    source: str
    note: str
    elements: list[ElementOut]
    rules: list[RuleOut]


class IndustryQuery(Schema):
    industry: str = Field(..., description="冶金|有色|建材|机械|轻工|纺织|烟草|商贸")
    date: dt.date | None = Field(None, description="默认今天")
    dust: bool = False
    ammonia: bool = False
    confined_space: bool = False


class ItemOut(Schema):
    regulation: str
    code: str
    article: int
    article_label: str
    number: int
    label: str
    scope: str
    text: str
    decisive: bool
    verification: str


class IndustryOut(Schema):
    industry: str
    date: dt.date
    items: list[ItemOut]


class TableIn(Schema):
    code: str = Field(..., max_length=40)
    name: str = Field("", max_length=120)
    effective_from: dt.date
    source: str = Field("", max_length=2000)
    note: str = Field("", max_length=2000)


class ElementIn(Schema):
    code: str = Field(..., max_length=16)
    kind: str = Field(..., description="direct|composite|exclusion")
    group: str = Field("", max_length=16)
    group_title: str = Field("", max_length=60)
    text: str = Field(..., max_length=2000)
    verification: str = Field(..., description="P|S|S-partial|S-weak|R|NF")


class RuleIn(Schema):
    label: str = Field(..., max_length=8)
    categories: list[str] = Field(..., min_length=1, max_length=4)
    counted: list[str] = Field(default_factory=list, max_length=200, description="留空表示任意综合判定要素")
    threshold: int = Field(..., ge=1, le=100)
    text: str = Field("", max_length=300)
    verification: str


@router.post(
    "/rules/major-fire-hazard", response={200: MajorFireOut, **_ERRORS}, summary="重大火灾隐患判定（GB 35181）"
)
def major_fire_hazard(request: HttpRequest, payload: MajorFireIn) -> Any:
    result = engine.determine_fire(
        payload.date, payload.category, payload.direct, payload.composite, payload.exclusions
    )
    return result.as_dict()


@router.get("/rules/major-fire-hazard/tables", response={200: list[TableOut], **_ERRORS}, summary="判定规则表各版本")
def major_fire_tables(request: HttpRequest) -> Any:
    return engine.fire_tables()


@router.get(
    "/rules/industry-major-hazards", response={200: IndustryOut, **_ERRORS}, summary="工贸企业重大事故隐患判定条目"
)
def industry_major_hazards(request: HttpRequest, filters: Query[IndustryQuery]) -> Any:
    on = filters.date or engine.local_today()
    items = engine.industry_items(
        filters.industry, on, dust=filters.dust, ammonia=filters.ammonia, confined_space=filters.confined_space
    )
    return {
        "industry": filters.industry,
        "date": on,
        "items": [{**item.__dict__, "label": item.label} for item in items],
    }


@router.post("/rules/major-fire-hazard/tables", response={201: TableOut, **_ERRORS}, summary="登记新版本规则表")
def create_table(request: HttpRequest, payload: TableIn) -> Any:
    with transaction.atomic():
        table = actions.create_table(request.user, **payload.dict())
    return Status(201, _table_out(table.code))


@router.post(
    "/rules/major-fire-hazard/tables/{code}/elements", response={201: TableOut, **_ERRORS}, summary="录入判定要素"
)
def add_element(request: HttpRequest, code: str, payload: ElementIn) -> Any:
    table = get_object_or_404(RuleTable, code=code)
    actions.add_element(request.user, table, **payload.dict())
    return Status(201, _table_out(table.code))


@router.post(
    "/rules/major-fire-hazard/tables/{code}/rules", response={201: TableOut, **_ERRORS}, summary="录入综合判定规则"
)
def add_rule(request: HttpRequest, code: str, payload: RuleIn) -> Any:
    table = get_object_or_404(RuleTable, code=code)
    actions.add_rule(request.user, table, **payload.dict())
    return Status(201, _table_out(table.code))


@router.post(
    "/rules/major-fire-hazard/tables/{code}/publish", response={200: TableOut, **_ERRORS}, summary="发布规则表"
)
def publish(request: HttpRequest, code: str) -> Any:
    table = get_object_or_404(RuleTable, code=code)
    actions.publish_table(request.user, table)
    return _table_out(table.code)


def _table_out(code: str) -> dict[str, Any]:
    return next(t for t in engine.fire_tables() if t["code"] == code)
