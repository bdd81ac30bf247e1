"""API authentication: bearer tokens (integrations, apps) and sessions (the browser)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from accounts.models import ApiToken, hash_token
from yingji import scoping

TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def bind_user(request: HttpRequest, user: Any) -> None:
    """Make `user` the request's user and switch the jurisdiction scope to theirs."""
    request.user = user
    scope = scoping.scope_for_user(user)
    request.jurisdiction_scope = scope  # type: ignore[attr-defined]
    scoping.activate(scope)  # reset by JurisdictionScopeMiddleware at the end of the request


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` issued by POST /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token:
            return None
        api_token = ApiToken.objects.usable().select_related("user__jurisdiction").filter(key_hash=hash_token(token)).first()
        if api_token is None:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_TOUCH_INTERVAL:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        bind_user(request, api_token.user)
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The browser's session cookie, with Django's CSRF check on unsafe methods.

    Without a session cookie there is nothing to check, so the CSRF machinery (which
    renders a rejection page) is not run at all for token or anonymous callers.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


def announce_login(request: HttpRequest, user: Any) -> None:
    """Record a token login like a page login (axes logs it; last_login is updated)."""
    user_logged_in.send(sender=type(user), request=request, user=user)
