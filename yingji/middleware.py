"""Request middleware: the actor context for audit and the jurisdiction scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from yingji import scoping
from yingji.context import ActorContext, acting


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Give each request an id and make it the actor of any change it causes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = ActorContext(request=request, remote_addr=client_ip(request))
        request.request_id = ctx.request_id  # type: ignore[attr-defined]
        with acting(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = str(ctx.request_id)
        return response


class JurisdictionScopeMiddleware:
    """Fix the scope of every request from its user; anonymous requests see nothing.

    Token-authenticated API calls re-activate the scope once the token names the user
    (see `accounts.auth`); the reset here restores the outer value either way.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = scoping.scope_for_user(getattr(request, "user", None))
        request.jurisdiction_scope = scope  # type: ignore[attr-defined]
        token = scoping.activate(scope)
        try:
            response = self.get_response(request)
        finally:
            scoping.deactivate(token)
        if isinstance(response, StreamingHttpResponse):
            # Streaming bodies (exports) are produced after the middleware returns.
            final_scope = getattr(request, "jurisdiction_scope", scope)
            response.streaming_content = _scoped_stream(response.streaming_content, final_scope)
        return response


def _scoped_stream(content: Any, scope: scoping.Scope) -> Iterator[bytes]:
    with scoping.use_scope(scope):
        yield from content


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a
    government PC with an English-language browser would get English; the interface
    is Chinese first, and English only on request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            # The thread serves other requests (and, in tests, other code) next: an English
            # request must not leave English active behind it.
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
