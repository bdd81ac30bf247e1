"""JSON API of deadline policies: `GET/PUT /api/v1/hazards/policies`.

A separate router from the hazard loop's (`hazards.api`) so it can be registered ahead of
`/hazards/{id}`. Reading needs MANAGE_HAZARDS; writing follows `hazards.policies.can_edit`.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from accounts.roles import Capability
from hazards import policies
from jurisdictions.models import Jurisdiction
from yingji import actions as base_actions
from yingji.api import ErrorOut

router = Router(tags=["隐患"])


class PolicyOut(Schema):
    jurisdiction_code: str | None = Field(None, description="辖区代码；null 表示全局默认")
    jurisdiction_name: str
    general_days: int
    major_days: int
    yellow_days: int
    yellow_percent: int
    recheck_percent: int
    recheck_after_days: int
    updated_at: datetime


class PolicyListOut(Schema):
    items: list[PolicyOut]
    applies: PolicyOut = Field(description="适用于当前账号所属辖区的规则")


class PolicyIn(Schema):
    jurisdiction_code: str | None = Field(None, description="要设置的辖区代码；null 表示全局默认（仅县级管理员）")
    general_days: int
    major_days: int
    yellow_days: int
    yellow_percent: int
    recheck_percent: int
    recheck_after_days: int


@router.get("/hazards/policies", response={200: PolicyListOut, 403: ErrorOut}, summary="隐患期限规则")
def list_policies(request: HttpRequest) -> PolicyListOut:
    user = request.user
    base_actions.require(user, Capability.MANAGE_HAZARDS)
    items = [PolicyOut(**policies.as_dict(p)) for p in policies.visible_policies(user)]
    applies = policies.policy_for(getattr(user, "jurisdiction", None))
    return PolicyListOut(items=items, applies=PolicyOut(**policies.as_dict(applies)))


@router.put(
    "/hazards/policies",
    response={200: PolicyOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="设置隐患期限规则（全局默认或某辖区）",
)
def put_policy(request: HttpRequest, payload: PolicyIn) -> PolicyOut:
    user = request.user
    base_actions.require(user, Capability.MANAGE_HAZARDS)
    node = None
    if payload.jurisdiction_code:
        node = Jurisdiction.objects.filter(code=payload.jurisdiction_code).defer("boundary").first()
        if node is None:
            raise Http404("辖区不存在或不在管辖范围内")
    if not policies.can_edit(user, node):
        raise PermissionDenied("只能修改本级辖区的期限规则（县级管理员可修改全局默认和下级）")
    data = payload.dict(exclude={"jurisdiction_code"})
    policy = policies.save_policy(by=user, jurisdiction=node, data=data)
    return PolicyOut(**policies.as_dict(policy))
