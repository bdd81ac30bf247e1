"""Audit pages (操作审计): the change log and the login records.

The change log is read through `ObjectChange.objects`, which the scope limits to the
viewer's subtree. Login records carry only a username, so they are limited to the
accounts the viewer can see (`User.objects`, scoped the same way).
"""

from __future__ import annotations

import datetime

from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Capability
from audit.forms import ChangeFilterForm, LoginFilterForm
from audit.models import ObjectChange
from yingji.http import AuthenticatedRequest, query_without_page

PAGE_SIZE = 30


def require_audit(request: AuthenticatedRequest) -> None:
    if not request.user.can(Capability.VIEW_AUDIT):
        raise PermissionDenied(_("当前角色无权查看审计日志"))


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@login_required
def changes(request: AuthenticatedRequest) -> HttpResponse:
    require_audit(request)
    form = ChangeFilterForm(request.GET or None)
    rows: QuerySet[ObjectChange] = ObjectChange.objects.select_related("content_type")
    if form.is_valid():
        data = form.cleaned_data
        if data["date_from"]:
            rows = rows.filter(time__gte=day_start(data["date_from"]))
        if data["date_to"]:
            rows = rows.filter(time__lt=day_start(data["date_to"] + datetime.timedelta(days=1)))
        if data["user"]:
            rows = rows.filter(user_name__icontains=data["user"].strip())
        content_type = form.content_type()
        if content_type is not None:
            rows = rows.filter(content_type=content_type)
        if data["action"]:
            rows = rows.filter(action=data["action"])
    elif form.is_bound:
        rows = rows.none()
    page = Paginator(rows.order_by("-time", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/changes.html", {"form": form, "page": page, "query": query_without_page(request)})


@login_required
def logins(request: AuthenticatedRequest) -> HttpResponse:
    require_audit(request)
    form = LoginFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    failed = data.get("result") == "failed"
    model = AccessFailureLog if failed else AccessLog
    rows = model.objects.all()
    if not request.user.is_superuser:
        rows = rows.filter(username__in=User.objects.values("username"))
    if data.get("username"):
        rows = rows.filter(Q(username__icontains=data["username"].strip()))
    page = Paginator(rows.order_by("-attempt_time", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "failed": failed, "query": query_without_page(request)}
    return render(request, "audit/logins.html", context)
