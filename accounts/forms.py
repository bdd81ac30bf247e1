"""Login, password and account-management forms with Chinese labels and mobile-friendly inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, grantable_roles
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.models import Person

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续多次输错后账号会被暂时锁定。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocomplete": "username"})
        self.fields["password"].label = _("密码")


class ChangePasswordForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("当前密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password1"].help_text = _("至少 10 位，需同时包含字母和数字，不能与用户名相近或过于常见。")
        self.fields["new_password2"].label = _("再次输入新密码")


# --- account management (账号管理) --------------------------------------------------------
# These forms only collect input; every change goes through accounts.actions.

# Below this many visible nodes the jurisdiction suggestions include grids too; above it
# (a whole county has thousands of grids) they stop at villages and a grid is typed by code.
GRID_SUGGESTION_LIMIT = 400


def jurisdiction_suggestions() -> list[Jurisdiction]:
    """Active nodes of the manager's subtree for the code field's <datalist>, in tree order."""
    nodes = Jurisdiction.objects.filter(archived_at__isnull=True).only("id", "code", "name", "depth", "path", "level")
    if nodes.count() > GRID_SUGGESTION_LIMIT:
        nodes = nodes.exclude(level=Level.GRID)
    return list(nodes.order_by("path"))


class JurisdictionCodeField(forms.CharField):
    """A node of the manager's subtree typed (or picked from suggestions) by its code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("所属辖区"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"list": "jurisdiction-options", "inputmode": "numeric", "autocomplete": "off"}),
        )
        kwargs.setdefault("help_text", _("输入辖区代码或名称后从提示中选择；网格可直接输入 15 位网格代码。"))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Jurisdiction | None:
        code = (super().clean(value) or "").strip()
        if not code:
            return None
        return Jurisdiction.objects.visible_code(code, field=None)


def check_password_pair(form: forms.Form, first: str, second: str) -> None:
    """Flag the confirmation field when the two typed passwords differ."""
    data = form.cleaned_data
    if data.get(first) and data.get(second) and data[first] != data[second]:
        form.add_error(second, _("两次输入的密码不一致"))


def role_choices(user: Any) -> list[tuple[str, StrOrPromise]]:
    """The roles `user` may grant, in the vocabulary's order."""
    allowed = grantable_roles(user)
    return [(value, label) for value, label in Role.choices if value in allowed]


class AccountCreateForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录时使用，建议用姓名拼音或手机号；创建后不能修改。"),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label=_("角色"))
    jurisdiction = JurisdictionCodeField()
    password1 = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 10 位，包含大写字母、小写字母、数字、符号中的至少三类。请当面或电话告知本人，并提醒其登录后修改。"),
    )
    password2 = forms.CharField(
        label=_("再次输入初始密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, manager: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [("", _("请选择角色")), *role_choices(manager)]

    def clean(self) -> dict[str, Any]:
        super().clean()
        check_password_pair(self, "password1", "password2")
        return self.cleaned_data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"))
    jurisdiction = JurisdictionCodeField()

    def __init__(self, *args: Any, manager: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(manager)


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("停用原因"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：调离本岗位、长期不使用")}),
    )


class ResetPasswordForm(forms.Form):
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 10 位，包含大写字母、小写字母、数字、符号中的至少三类。重置后该账号在所有设备上需重新登录。"),
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        check_password_pair(self, "new_password1", "new_password2")
        return self.cleaned_data


class LinkPersonForm(forms.Form):
    """Pick the person record of the account's user among the people of its jurisdiction."""

    person = forms.ModelChoiceField(label=_("对应人员"), queryset=Person.objects.none(), required=False, empty_label=_("不关联"))

    def __init__(self, *args: Any, account: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"person": account.person_id})
        super().__init__(*args, **kwargs)
        people = Person.objects.active().filter(Q(account__isnull=True) | Q(account=account))
        if account.jurisdiction_id:
            people = people.filter(jurisdiction_path__within=account.jurisdiction_path)
        field = cast(forms.ModelChoiceField, self.fields["person"])
        field.queryset = people.select_related("jurisdiction").order_by("jurisdiction_path", "name")
        field.label_from_instance = lambda obj: f"{obj.name}（{obj.jurisdiction.name}）"  # type: ignore[method-assign]
        field.help_text = _("只列出该账号所属辖区内、尚未关联其他账号的人员。")


class AccountFilterForm(forms.Form):
    """The account list's search and filters; every field optional so an empty GET lists all."""

    q = forms.CharField(label=_("搜索"), required=False)
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部角色")), *Role.choices])
    jurisdiction = forms.ChoiceField(label=_("辖区"), required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), ("active", _("启用")), ("inactive", _("已停用")), ("locked", _("登录锁定"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nodes = Jurisdiction.objects.filter(archived_at__isnull=True).exclude(level=Level.GRID).order_by("path")
        cast(forms.ChoiceField, self.fields["jurisdiction"]).choices = [
            ("", _("全部辖区")),
            *((n.code, f"{'　' * n.depth}{n.name}") for n in nodes.only("code", "name", "depth", "path")),
        ]
