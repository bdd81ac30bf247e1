"""The change log as an API, for auditors and administrators."""


from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from accounts.roles import Capability
from audit.choices import ChangeAction
from audit.models import ObjectChange
from yingji import actions
from yingji.api import Page
from yingji.scoping import path_codes

router = Router(tags=["审计"])


class ChangeOut(Schema):
    id: int
    time: datetime
    user_name: str
    action: str
    model: str = Field(..., alias="content_type.model")
    object_id: str
    object_repr: str
    before: dict[str, Any]
    after: dict[str, Any]
    request_id: str | None
    jurisdiction_code: str | None

    @staticmethod
    def resolve_jurisdiction_code(obj: ObjectChange) -> str | None:
        codes = path_codes(obj.jurisdiction_path)
        return codes[-1] if codes else None

    @staticmethod
    def resolve_request_id(obj: ObjectChange) -> str | None:
        return str(obj.request_id) if obj.request_id else None


class ChangeFilter(Schema):
    model: str | None = Field(None, description="记录类型，如 person、jurisdiction")
    object_id: str | None = None
    user: str | None = Field(None, description="操作人用户名")
    action: ChangeAction | None = None
    since: datetime | None = None
    until: datetime | None = None


@router.get("/changes", response=list[ChangeOut], summary="变更记录（按辖区范围）")
@paginate(Page)
def list_changes(request: HttpRequest, filters: Query[ChangeFilter]) -> Any:
    actions.require(request.user, Capability.VIEW_AUDIT)
    changes = ObjectChange.objects.select_related("content_type")
    if filters.model:
        changes = changes.filter(content_type__model=filters.model.lower())
    if filters.object_id:
        changes = changes.filter(object_id=filters.object_id)
    if filters.user:
        changes = changes.filter(user_name=filters.user)
    if filters.action:
        changes = changes.filter(action=filters.action)
    if filters.since:
        changes = changes.filter(time__gte=filters.since)
    if filters.until:
        changes = changes.filter(time__lt=filters.until)
    return changes.order_by("-time", "-id")
