"""What a locked-out login attempt gets: JSON for the API, a Chinese page for browsers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKED_MESSAGE = "登录失败次数过多，已临时锁定，请 {minutes} 分钟后再试，或联系管理员解锁"


def lockout_response(request: HttpRequest, response: Any = None, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    minutes = int(float(settings.AXES_COOLOFF_TIME) * 60)
    message = LOCKED_MESSAGE.format(minutes=minutes)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message, "minutes": minutes}, status=429)
