"""Login lock-out: the answer to a locked-out attempt, and which accounts are locked out now."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

LOCKED_MESSAGE = "登录失败次数过多，已临时锁定，请 {minutes} 分钟后再试，或联系管理员解锁"


def lockout_response(request: HttpRequest, response: Any = None, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    minutes = int(float(settings.AXES_COOLOFF_TIME) * 60)
    message = LOCKED_MESSAGE.format(minutes=minutes)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message, "minutes": minutes}, status=429)


def lockout_condition() -> Exists:
    """`Exists` true for an account whose username is locked out from some address now.

    django-axes locks a username+address pair once its failures within the cool-off
    period (summed over user agents) reach the limit; this mirrors that rule as one
    correlated subquery, so a page of accounts gets its lock status in the same query.
    """
    attempts = AccessAttempt.objects.filter(username=OuterRef("username"))
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    locked = (
        attempts.order_by()
        .values("ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=get_failure_limit(None, None))
    )
    return Exists(locked)


def with_lock_status(queryset: QuerySet) -> QuerySet:
    """Annotate accounts with `locked_out` (see `lockout_condition`)."""
    return queryset.annotate(locked_out=lockout_condition())
