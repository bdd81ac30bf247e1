"""Token login, the caller's own account, and account management for administrators."""


from datetime import datetime
from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts import actions
from accounts.auth import announce_login, bind_user
from accounts.lockout import with_lock_status
from accounts.models import ApiToken, User
from accounts.roles import Capability, Role, may_manage
from jurisdictions.models import Jurisdiction
from people.models import Person
from yingji.actions import require
from yingji.api import Page
from yingji.http import AuthenticatedRequest

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
def me(request: AuthenticatedRequest) -> Any:
    user = request.user
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role or ("superuser" if user.is_superuser else ""),
        "role_label": user.get_role_display() if user.role else ("超级管理员" if user.is_superuser else ""),
        "jurisdiction_code": user.jurisdiction.code if user.jurisdiction is not None else None,
        "jurisdiction_name": user.jurisdiction.name if user.jurisdiction is not None else None,
        "capabilities": [c.value for c in Capability if user.can(c.value)],
    }


# --- account management (账号管理) --------------------------------------------------------

users_router = Router(tags=["账号管理"])


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    jurisdiction_code: str | None
    jurisdiction_name: str | None
    is_active: bool
    last_login: datetime | None
    person_id: int | None
    person_name: str | None
    locked_out: bool

    @staticmethod
    def resolve_role_label(obj: User) -> str:
        return str(obj.get_role_display()) if obj.role else ("超级管理员" if obj.is_superuser else "")

    @staticmethod
    def resolve_jurisdiction_code(obj: User) -> str | None:
        return obj.jurisdiction.code if obj.jurisdiction is not None else None

    @staticmethod
    def resolve_jurisdiction_name(obj: User) -> str | None:
        return obj.jurisdiction.name if obj.jurisdiction is not None else None

    @staticmethod
    def resolve_person_name(obj: User) -> str | None:
        return obj.person.name if obj.person is not None else None

    @staticmethod
    def resolve_locked_out(obj: User) -> bool:
        return bool(getattr(obj, "locked_out", False))


class UserDetailOut(UserOut):
    date_joined: datetime
    deactivated_at: datetime | None
    deactivation_reason: str
    manageable: bool = Field(..., description="当前账号能否管理此账号（角色在可授予范围内）")

    @staticmethod
    def resolve_manageable(obj: User, context: Any) -> bool:
        request = (context or {}).get("request")
        return bool(request and may_manage(request.user, obj))


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=128)
    role: Role
    jurisdiction_code: str
    person_id: int | None = None


class UserPatch(Schema):
    role: Role | None = None
    jurisdiction_code: str | None = None
    person_id: int | None = Field(None, description="关联的人员；传 null 取消关联")


class DeactivateIn(Schema):
    reason: str = Field("", max_length=200)


class PasswordIn(Schema):
    new_password: str = Field(..., min_length=1, max_length=128)


class UserFilter(Schema):
    jurisdiction: str | None = Field(None, description="辖区代码：只列出该辖区及其下级的账号")
    role: Role | None = None
    active: bool | None = Field(None, description="true 只看启用，false 只看停用")
    q: str | None = Field(None, description="按用户名或姓名搜索")


def users_queryset() -> Any:
    """Accounts with what a list shows, in one query (scope applied by `User.objects`)."""
    return with_lock_status(
        User.objects.select_related("jurisdiction", "person").defer("jurisdiction__boundary", "person__id_number_sealed")
    )


def _user(request: HttpRequest, user_id: int) -> User:
    """The account, or 404 outside the caller's subtree; then 403 without MANAGE_USERS."""
    user = get_object_or_404(users_queryset(), pk=user_id)
    require(request.user, Capability.MANAGE_USERS)
    return user


def _person(person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = Person.objects.active().filter(pk=person_id).first()
    if person is None:
        raise ValidationError({"person_id": "人员不存在、已归档或不在您的辖区范围内"})
    return person


@users_router.get("", response=list[UserOut], summary="账号列表")
@paginate(Page)
def list_users(request: HttpRequest, filters: Query[UserFilter]) -> Any:
    require(request.user, Capability.MANAGE_USERS)
    users = users_queryset()
    if filters.jurisdiction:
        node = get_object_or_404(Jurisdiction.objects, code=filters.jurisdiction)
        users = users.filter(jurisdiction_path__within=node.path)
    if filters.role:
        users = users.filter(role=filters.role)
    if filters.active is not None:
        users = users.filter(is_active=filters.active)
    if filters.q and filters.q.strip():
        q = filters.q.strip()
        users = users.filter(Q(username__icontains=q) | Q(person__name__contains=q) | Q(first_name__contains=q))
    return users.order_by("jurisdiction_path", "username")


@users_router.post("", response={201: UserDetailOut}, summary="新建账号")
@transaction.atomic
def create_user(request: HttpRequest, payload: UserIn) -> Any:
    require(request.user, Capability.MANAGE_USERS)
    user = actions.create_account_for(
        request.user,
        username=payload.username,
        role=payload.role.value,
        jurisdiction=Jurisdiction.objects.visible_code(payload.jurisdiction_code),
        password=payload.password,
        person=_person(payload.person_id),
    )
    return Status(201, users_queryset().get(pk=user.pk))


@users_router.get("/{user_id}", response=UserDetailOut, summary="账号详情")
def get_user(request: HttpRequest, user_id: int) -> Any:
    return _user(request, user_id)


@users_router.patch("/{user_id}", response=UserDetailOut, summary="修改角色、辖区或关联人员")
@transaction.atomic
def patch_user(request: HttpRequest, user_id: int, payload: UserPatch) -> Any:
    user = _user(request, user_id)
    changes = payload.dict(exclude_unset=True)
    if changes.get("role") is not None or changes.get("jurisdiction_code") is not None:
        role = payload.role.value if payload.role is not None else user.role
        node = Jurisdiction.objects.visible_code(payload.jurisdiction_code) if payload.jurisdiction_code is not None else user.jurisdiction
        actions.change_role(request.user, user, role, node)
    if "person_id" in changes:
        actions.link_person(request.user, user, _person(payload.person_id))
    return _user(request, user_id)


@users_router.post("/{user_id}/deactivate", response=UserDetailOut, summary="停用账号（不可登录，令牌失效）")
@transaction.atomic
def deactivate_user(request: HttpRequest, user_id: int, payload: DeactivateIn) -> Any:
    actions.deactivate_account(request.user, _user(request, user_id), payload.reason)
    return _user(request, user_id)


@users_router.post("/{user_id}/reactivate", response=UserDetailOut, summary="重新启用账号")
@transaction.atomic
def reactivate_user(request: HttpRequest, user_id: int) -> Any:
    actions.reactivate_account(request.user, _user(request, user_id))
    return _user(request, user_id)


@users_router.post("/{user_id}/reset-password", response=UserDetailOut, summary="重置密码（令牌同时失效）")
@transaction.atomic
def reset_user_password(request: HttpRequest, user_id: int, payload: PasswordIn) -> Any:
    actions.reset_password(request.user, _user(request, user_id), payload.new_password)
    return _user(request, user_id)


@users_router.post("/{user_id}/unlock", response=UserDetailOut, summary="解除登录锁定")
@transaction.atomic
def unlock_user(request: HttpRequest, user_id: int) -> Any:
    actions.unlock_account(request.user, _user(request, user_id))
    return _user(request, user_id)
