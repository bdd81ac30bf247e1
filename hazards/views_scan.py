"""Pages for re-checks (回头看) and deadline policies (期限规则).

Re-checks are listed through their hazards, so the scope (and an enterprise user's own
places) follows `Hazard.objects`; recording a result needs MANAGE_HAZARDS. Policies are
visible to those who manage hazards and editable as `hazards.policies.can_edit` says.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Capability
from hazards import policies, rechecks
from hazards.choices import RecheckState
from hazards.models import DeadlinePolicy, Hazard, Recheck
from jurisdictions.models import Jurisdiction
from yingji.http import AuthenticatedRequest

PAGE_SIZE = 30
DEFAULT_CODE = "default"


class RecheckResultForm(forms.Form):
    result = forms.ChoiceField(
        label=gettext_lazy("回头看结果"),
        choices=[("passed", gettext_lazy("未反弹")), ("reopened", gettext_lazy("隐患反弹"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=300, required=False)
    description = forms.CharField(
        label=gettext_lazy("反弹情况"),
        max_length=1500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("隐患反弹时必填，将作为新隐患上报"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("result") == "reopened" and not (data.get("description") or "").strip():
            self.add_error("description", _("隐患反弹时请描述发现的问题"))
        return data


class PolicyForm(forms.ModelForm):
    class Meta:
        model = DeadlinePolicy
        fields = list(policies.FIELDS)


def visible_rechecks() -> Any:
    """Re-checks of the hazards the current user can see (scope and place rules of `Hazard.objects`)."""
    return Recheck.objects.filter(hazard_id__in=Hazard.objects.values("pk"))


@login_required
def recheck_list(request: AuthenticatedRequest) -> HttpResponse:
    state = request.GET.get("state") or "due"
    if state not in {"due", "done", "all"}:
        state = "due"
    rows = visible_rechecks().select_related("hazard", "hazard__place", "done_by", "reopened_as")
    if state == "due":
        rows = rows.filter(state=RecheckState.DUE).order_by("due_on", "id")
    elif state == "done":
        rows = rows.exclude(state=RecheckState.DUE).order_by("-done_at", "-id")
    else:
        rows = rows.order_by("-due_on", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "states": [("due", _("待回头看")), ("done", _("已完成")), ("all", _("全部"))],
        "today": timezone.localdate(),
        "query": urlencode({"state": state}),
        "can_record": request.user.can(Capability.MANAGE_HAZARDS),
        "form": RecheckResultForm(),
    }
    return render(request, "hazards/scan/rechecks.html", context)


@login_required
@require_POST
def recheck_record(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    recheck = visible_rechecks().filter(pk=pk).first()
    if recheck is None:
        raise Http404
    if not request.user.can(Capability.MANAGE_HAZARDS):
        raise PermissionDenied(_("当前角色无权记录回头看结果"))
    form = RecheckResultForm(request.POST)
    back = reverse("hazards:rechecks")
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("未保存：%(errors)s") % {"errors": errors})
        return redirect(back)
    data = form.cleaned_data
    try:
        recheck = rechecks.record_result(
            recheck,
            by=request.user,
            passed=data["result"] == "passed",
            note=data.get("note") or "",
            description=data.get("description") or "",
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(back)
    if recheck.reopened_as_id:
        messages.success(request, _("已记录隐患反弹，并上报为新隐患"))
    else:
        messages.success(request, _("已记录回头看结果：未反弹"))
    return redirect(back)


def _node_for(request: AuthenticatedRequest, code: str) -> Jurisdiction | None:
    if code == DEFAULT_CODE:
        return None
    node = Jurisdiction.objects.filter(code=code).defer("boundary").first()
    if node is None:
        raise Http404
    return node


@login_required
@require_http_methods(["GET", "POST"])
def policy_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user.can(Capability.MANAGE_HAZARDS):
        raise PermissionDenied(_("当前角色无权查看隐患期限规则"))
    default_code = DEFAULT_CODE if user.role == "county_admin" or user.jurisdiction is None else user.jurisdiction.code
    code = request.POST.get("code") or request.GET.get("code") or default_code
    node = _node_for(request, code)
    editable = policies.can_edit(user, node)
    current = policies.policy_for(node)
    own = DeadlinePolicy.objects.filter(jurisdiction=node).first()
    form = PolicyForm(instance=current) if editable else None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("只能修改本级辖区的期限规则"))
        form = PolicyForm(request.POST, instance=DeadlinePolicy(jurisdiction=node))
        if form.is_valid():
            try:
                policies.save_policy(by=user, jurisdiction=node, data=form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("期限规则已保存，新派单的隐患按新规则计算期限"))
                return redirect(f"{reverse('hazards:policies')}?{urlencode({'code': code})}")

    def values(policy: DeadlinePolicy) -> list[tuple[Any, str]]:
        return [(label, f"{getattr(policy, name)}{'%' if name.endswith('percent') else ''}") for name, label in fields]

    fields = [(name, getattr(DeadlinePolicy._meta.get_field(name), "verbose_name", name)) for name in policies.FIELDS]
    context = {
        "rows": [(row, values(row)) for row in policies.visible_policies(user)],
        "current_values": values(current),
        "node": node,
        "code": code,
        "current": current,
        "inherited": own is None,
        "editable": editable,
        "form": form,
        "fields": fields,
    }
    return render(request, "hazards/scan/policies.html", context)
