"""Token login and the caller's own account."""


from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from accounts.auth import announce_login, bind_user
from accounts.models import ApiToken
from accounts.roles import Capability

router = Router(tags=["认证"])


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: str


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    jurisdiction_code: str | None
    jurisdiction_name: str | None
    capabilities: list[str]


@router.post("/token", auth=None, response={200: TokenOut}, summary="用户名密码换取 API 令牌")
def obtain_token(request: HttpRequest, credentials: Credentials) -> Any:
    try:
        user = authenticate(request, username=credentials.username, password=credentials.password)
    except AxesBackendPermissionDenied as exc:
        raise HttpError(429, "登录失败次数过多，账号已被临时锁定，请稍后再试") from exc
    if getattr(request, "axes_locked_out", False):
        raise HttpError(429, "登录失败次数过多，账号已被临时锁定，请稍后再试")
    if user is None:
        raise HttpError(401, "用户名或密码错误")
    bind_user(request, user)
    announce_login(request, user)
    token, raw = ApiToken.issue(user)
    return {"token": raw, "expires_at": token.expires_at.isoformat()}


@router.post("/token/revoke", response={204: None}, summary="注销当前令牌")
def revoke_token(request: HttpRequest) -> Any:
    from django.utils import timezone

    token = getattr(request, "api_token", None)
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    return Status(204, None)


@router.get("/me", response=MeOut, summary="当前账号")
def me(request: HttpRequest) -> Any:
    user = request.user
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role or ("superuser" if user.is_superuser else ""),
        "role_label": user.get_role_display() if user.role else ("超级管理员" if user.is_superuser else ""),
        "jurisdiction_code": user.jurisdiction.code if user.jurisdiction_id else None,
        "jurisdiction_name": user.jurisdiction.name if user.jurisdiction_id else None,
        "capabilities": [c.value for c in Capability if user.can(c.value)],
    }
