"""Sign in, sign out, the user's own account page, and account management (账号管理)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import actions
from accounts.forms import (
    AccountCreateForm,
    AccountFilterForm,
    ChangePasswordForm,
    DeactivateForm,
    LinkPersonForm,
    LoginForm,
    ResetPasswordForm,
    RoleForm,
    jurisdiction_suggestions,
)
from accounts.lockout import with_lock_status
from accounts.models import User
from accounts.roles import Capability, may_manage
from audit.tracking import history_of
from jurisdictions.forms import add_action_errors
from jurisdictions.models import Jurisdiction
from yingji.http import AuthenticatedRequest


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or image cannot sign the user out."""


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
def me(request: AuthenticatedRequest) -> HttpResponse:
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改。"))
        return redirect("accounts:me")
    return render(request, "accounts/me.html", {"form": form})


# --- account management (账号管理) --------------------------------------------------------
# Reads go through `User.objects` (outsiders get 404); every change goes through
# accounts.actions, which checks the capability, the subtree and the grant rules.

PAGE_SIZE = 25
HISTORY_LIMIT = 30


def require_manager(request: AuthenticatedRequest) -> None:
    """Refuse the pages early for roles that manage no accounts."""
    if not request.user.can(Capability.MANAGE_USERS):
        raise PermissionDenied(_("当前角色无权管理账号"))


def account_or_404(request: AuthenticatedRequest, pk: int) -> User:
    """The account with its lock status, or 404 outside the manager's subtree; then 403 for non-managers."""
    account = get_object_or_404(
        with_lock_status(User.objects.select_related("jurisdiction", "person").defer("jurisdiction__boundary")), pk=pk
    )
    require_manager(request)
    return account


def filtered_accounts(form: AccountFilterForm) -> QuerySet[User]:
    accounts = with_lock_status(
        User.objects.select_related("jurisdiction", "person").defer("jurisdiction__boundary", "person__id_number_sealed")
    )
    data = form.cleaned_data if form.is_valid() else {}
    q = (data.get("q") or "").strip()
    if q:
        accounts = accounts.filter(Q(username__icontains=q) | Q(person__name__contains=q) | Q(first_name__contains=q))
    if data.get("role"):
        accounts = accounts.filter(role=data["role"])
    if data.get("jurisdiction"):
        node = Jurisdiction.objects.filter(code=data["jurisdiction"]).first()
        if node is not None:
            accounts = accounts.filter(jurisdiction_path__within=node.path)
    status = data.get("status")
    if status == "active":
        accounts = accounts.filter(is_active=True)
    elif status == "inactive":
        accounts = accounts.filter(is_active=False)
    elif status == "locked":
        accounts = accounts.filter(locked_out=True)
    return accounts.order_by("jurisdiction_path", "username")


@login_required
def account_list(request: AuthenticatedRequest) -> HttpResponse:
    require_manager(request)
    form = AccountFilterForm(request.GET or None)
    page = Paginator(filtered_accounts(form), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if request.htmx and request.htmx.target == "account-results":
        return render(request, "accounts/_account_results.html", context)
    return render(request, "accounts/account_list.html", context)


@sensitive_post_parameters("password1", "password2")
@login_required
def account_create(request: AuthenticatedRequest) -> HttpResponse:
    require_manager(request)
    form = AccountCreateForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = actions.create_account_for(
                request.user,
                username=data["username"],
                role=data["role"],
                jurisdiction=data["jurisdiction"],
                password=data["password1"],
            )
        except ValidationError as exc:
            add_action_errors(form, _renamed(exc, {"password": "password1"}))
        else:
            messages.success(request, _("已创建账号“%(name)s”。") % {"name": account.username})
            return redirect("accounts:user_detail", pk=account.pk)
    context = {"form": form, "nodes": jurisdiction_suggestions()}
    return render(request, "accounts/account_form.html", context)


@login_required
def account_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_or_404(request, pk)
    context = {
        "account": account,
        "manageable": may_manage(request.user, account),
        "is_self": account.pk == request.user.pk,
        "deactivate_form": DeactivateForm(),
        "person_form": LinkPersonForm(account=account),
        "history": history_of(account)[:HISTORY_LIMIT],
    }
    return render(request, "accounts/account_detail.html", context)


@login_required
def account_role(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_or_404(request, pk)
    initial = {"role": account.role, "jurisdiction": account.jurisdiction.code if account.jurisdiction is not None else ""}
    form = RoleForm(request.POST or None, manager=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_role(request.user, account, form.cleaned_data["role"], form.cleaned_data["jurisdiction"])
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”的角色和辖区。") % {"name": account.username})
            return redirect("accounts:user_detail", pk=account.pk)
    context = {"form": form, "account": account, "nodes": jurisdiction_suggestions()}
    return render(request, "accounts/account_role.html", context)


@sensitive_post_parameters("new_password1", "new_password2")
@login_required
def account_password(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_or_404(request, pk)
    form = ResetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reset_password(request.user, account, form.cleaned_data["new_password1"])
        except ValidationError as exc:
            add_action_errors(form, _renamed(exc, {"new_password": "new_password1"}))
        else:
            messages.success(
                request, _("已重置“%(name)s”的密码，其已登录的设备和 API 令牌均已失效。") % {"name": account.username}
            )
            return redirect("accounts:user_detail", pk=account.pk)
    return render(request, "accounts/account_password.html", {"form": form, "account": account})


@login_required
@require_POST
def account_deactivate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_or_404(request, pk)
    form = DeactivateForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actions.deactivate_account(request.user, account, reason)
    messages.success(request, _("已停用账号“%(name)s”，其 API 令牌已全部失效。") % {"name": account.username})
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def account_reactivate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_or_404(request, pk)
    actions.reactivate_account(request.user, account)
    messages.success(request, _("已重新启用账号“%(name)s”。") % {"name": account.username})
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def account_unlock(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_or_404(request, pk)
    actions.unlock_account(request.user, account)
    messages.success(request, _("已解除“%(name)s”的登录锁定。") % {"name": account.username})
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def account_person(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = account_or_404(request, pk)
    form = LinkPersonForm(request.POST, account=account)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("accounts:user_detail", pk=account.pk)
    try:
        actions.link_person(request.user, account, form.cleaned_data["person"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已更新“%(name)s”的对应人员。") % {"name": account.username})
    return redirect("accounts:user_detail", pk=account.pk)


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """An action's error keyed by the form's field names (the form asks for a password twice)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()})
