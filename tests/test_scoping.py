"""The central scoping mechanism itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.test import RequestFactory

from demo.constants import COUNTY_CODE, TOWNSHIP_A, TOWNSHIP_B
from jurisdictions.models import Jurisdiction
from people.models import Person
from yingji import scoping
from yingji.checks import scoped_models_use_scoped_manager


def test_subtree_filter_is_exact_at_code_boundaries(db: Any) -> None:
    """A path prefix must not match a sibling whose code merely starts the same way."""
    a = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    inside = set(Jurisdiction.unscoped.filter(path__within=a.path).values_list("code", flat=True))
    assert inside and all(code.startswith(TOWNSHIP_A) for code in inside)
    everything = set(Jurisdiction.unscoped.values_list("code", flat=True))
    assert inside == {c for c in everything if c.startswith(TOWNSHIP_A)}


def test_within_rejects_anything_but_a_path(db: Any) -> None:
    with pytest.raises(ValueError):
        list(Jurisdiction.unscoped.filter(path__within="330225%"))


def test_scope_restricts_default_managers_and_nothing_scope_sees_nothing(db: Any) -> None:
    a = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    with scoping.use_scope(scoping.Scope(paths=(a.path,))):
        assert not Jurisdiction.objects.filter(code=TOWNSHIP_B).exists()
        assert Person.objects.exists()
        assert all(p.startswith(a.path) for p in Person.objects.values_list("jurisdiction_path", flat=True))
    with scoping.use_scope(scoping.NOTHING):
        assert Jurisdiction.objects.count() == 0
        assert Person.objects.count() == 0


def test_related_managers_are_scoped_too(db: Any) -> None:
    county = Jurisdiction.unscoped.get(code=COUNTY_CODE)
    a = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    with scoping.use_scope(scoping.Scope(paths=(a.path,))):
        assert [c.code for c in county.children.all()] == [TOWNSHIP_A]


def test_every_jurisdiction_bound_model_has_a_scoped_default_manager() -> None:
    bound = [m for m in apps.get_models() if hasattr(m, "scope_path_field")]
    assert len(bound) >= 5
    assert scoped_models_use_scoped_manager() == []


def test_scope_middleware_is_installed_after_authentication() -> None:
    middleware = settings.MIDDLEWARE
    assert middleware.index("yingji.middleware.JurisdictionScopeMiddleware") > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )


def test_anonymous_request_scope_sees_nothing(db: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    from yingji.middleware import JurisdictionScopeMiddleware

    seen = {}

    def view(request: Any) -> Any:
        from django.http import HttpResponse

        seen["count"] = Jurisdiction.objects.count()
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    JurisdictionScopeMiddleware(view)(request)
    assert seen["count"] == 0
    assert Jurisdiction.objects.count() > 0  # outside the request: unrestricted system scope


def test_scope_condition_is_served_by_an_index(db: Any) -> None:
    """The subtree filter must stay one indexable condition on both databases."""
    from django.db import connection

    a = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    queryset = Person.unscoped.filter(jurisdiction_path__within=a.path).values("id")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "INDEX" in plan.upper(), plan
