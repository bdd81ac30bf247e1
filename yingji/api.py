"""The JSON API (`/api/v1/`): one NinjaAPI with every app's router.

Conventions shared by every endpoint:
- auth by bearer token or browser session; anonymous callers get 401;
- lists return ``{"count", "items"}`` and take ``page``/``page_size``;
- errors are JSON with a Chinese ``detail`` and, for bad input, ``errors`` per field;
- records that belong to a jurisdiction carry ``jurisdiction_code``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase

from accounts.auth import BearerTokenAuth, SessionAuth
from hazards.machine import TransitionRefused
from yingji.models import LedgerDeletionRefused

log = logging.getLogger("yingji.api")

api = NinjaAPI(
    title="应急消防治理平台 API",
    version="1",
    description="Yingji 基层应急消防治理平台接口。认证：`POST /api/v1/auth/token` 取得令牌后在请求头携带 "
    "`Authorization: Bearer <token>`；浏览器内使用登录会话。所有数据按账号所属辖区自动限定范围。",
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionAuth()],
)


class Page(PaginationBase):
    """Page-number pagination answering ``{"count", "items"}``."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000, description="页码，从 1 开始")
        page_size: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)

    class Output(Schema):
        count: int
        items: list[Any]

    def paginate_queryset(self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any) -> Any:
        offset = (pagination.page - 1) * pagination.page_size
        return {"count": queryset.count(), "items": list(queryset[offset : offset + pagination.page_size])}


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] = []


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or "__all__"


FIELD_MESSAGES = {
    "missing": "此项必填",
    "json_invalid": "请求体不是合法的 JSON",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "string_type": "应为文本",
    "dict_type": "应为对象",
    "model_attributes_type": "请求体应为 JSON 对象",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "extra_forbidden": "不支持此字段",
}


@api.exception_handler(NinjaValidationError)
def on_bad_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: list[dict[str, str]] = []
    for err in exc.errors:
        kind = err.get("type", "")
        message = FIELD_MESSAGES.get(kind) or err.get("msg", "取值有误")
        errors.append({"field": _field_name(list(err.get("loc", []))), "message": message})
    return api.create_response(request, {"detail": "请求数据有误，请按字段提示修改后重试", "errors": errors}, status=422)


@api.exception_handler(DjangoValidationError)
def on_invalid_record(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors: list[dict[str, str]] = []
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            errors.extend({"field": field, "message": m} for m in messages)
    else:
        errors = [{"field": "__all__", "message": m} for m in exc.messages]
    return api.create_response(request, {"detail": "数据校验未通过：" + "；".join(e["message"] for e in errors), "errors": errors}, status=400)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "记录不存在，或不在您的辖区范围内"}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "当前角色无权执行此操作"}, status=403)


@api.exception_handler(LedgerDeletionRefused)
def on_delete_refused(request: HttpRequest, exc: LedgerDeletionRefused) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(TransitionRefused)
def on_transition_refused(request: HttpRequest, exc: TransitionRefused) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "当前状态不允许此操作"}, status=409)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "未登录或令牌无效/已过期，请先通过 /api/v1/auth/token 获取令牌"}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = "请求体不是合法的 JSON，请检查引号、逗号和括号"
    elif exc.status_code == 403 and message.startswith("CSRF"):
        message = "CSRF 校验失败：请刷新页面后重试（浏览器会话请求须携带 X-CSRFToken 头）"
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return api.create_response(request, {"detail": f"请求体格式有误（multipart 解析失败）：{exc}"}, status=400)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unhandled API error on %s %s", request.method, request.path)
    request_id = getattr(request, "request_id", "")
    return api.create_response(
        request, {"detail": f"服务器内部错误，已记录（请求编号 {request_id}），请稍后重试或联系管理员"}, status=500
    )


def _register_routers() -> None:
    from accounts.api import router as accounts_router
    from accounts.api import users_router
    from audit.api import router as audit_router
    from checklists.api import router as checklists_router
    from duty.api import router as duty_router
    from earlywarning.api import router as warnings_router
    from hazardrules.api import router as hazardrules_router
    from hazards.api import router as hazards_router
    from hazards.api_policies import router as hazards_policies_router
    from inspectionplans.api import router as inspectionplans_router
    from inspections.api import router as inspections_router
    from jurisdictions.api import map_router
    from jurisdictions.api import router as jurisdictions_router
    from letters.api import router as letters_router
    from notifications.api import router as notifications_router
    from people.api import router as people_router
    from places.api import router as places_router
    from plans.api import router as plans_router
    from publicreports.api import router as publicreports_router
    from risk.api import router as risk_router
    from shelters.api import router as shelters_router
    from staffing.api import router as staffing_router
    from supplies.api import router as supplies_router
    from teams.api import router as teams_router

    api.add_router("/auth", accounts_router)
    api.add_router("/jurisdictions", jurisdictions_router)
    api.add_router("/map", map_router)
    api.add_router("/", people_router)
    api.add_router("/audit", audit_router)
    api.add_router("/users", users_router)
    # Each domain router declares its own resource paths ("/places", "/teams", …).
    api.add_router("/", places_router)
    api.add_router("/", risk_router)
    api.add_router("/", letters_router)
    api.add_router("/", staffing_router)
    api.add_router("/", notifications_router)
    api.add_router("/", duty_router)
    api.add_router("/", warnings_router)
    api.add_router("/", teams_router)
    api.add_router("/", supplies_router)
    api.add_router("/", shelters_router)
    api.add_router("/", plans_router)
    api.add_router("/", checklists_router)
    api.add_router("/", hazardrules_router)
    api.add_router("/", hazards_policies_router)
    api.add_router("/", hazards_router)
    api.add_router("/", inspectionplans_router)
    api.add_router("/", inspections_router)
    api.add_router("/", publicreports_router)


_register_routers()
