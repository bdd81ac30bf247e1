"""Request types for type checking: what a page or API handler behind login receives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """Annotation only (never instantiated): a request whose user is logged in.

    Every page view is wrapped in `login_required` and every API route needs a token or a
    session, so `request.user` is a `User`, never `AnonymousUser`; `HtmxMiddleware` adds `htmx`.
    """

    user: User  # narrows HttpRequest.user (User | AnonymousUser)
    htmx: HtmxDetails


def query_without_page(request: HttpRequest) -> str:
    """The list's current filters as a query string, for the pager's links to add `page=` to."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
