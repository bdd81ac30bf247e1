"""`DeferredPage` gives exactly the rows plain slicing gives, in the same order, with the same joins."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from places.models import Place
from yingji.paging import DeferredPage

pytestmark = pytest.mark.django_db


def _listed() -> Any:
    return Place.unscoped.filter(archived_at__isnull=True).select_related("kind").order_by("-name", "-id")


def test_pages_match_plain_slicing_in_order() -> None:
    listed = _listed()
    total = listed.count()
    assert total > 40
    deferred = DeferredPage(listed)
    assert deferred.count() == len(deferred) == total
    for start in (0, 17, total - 5):
        assert [p.pk for p in deferred[start : start + 20]] == [p.pk for p in listed[start : start + 20]]
    assert deferred[total : total + 20] == []


def test_joins_are_kept_so_a_page_costs_three_queries() -> None:
    with CaptureQueriesContext(connection) as queries:
        page = Paginator(DeferredPage(_listed()), 25).get_page(2)  # type: ignore[arg-type]
        names = [(p.name, p.kind.name) for p in page.object_list]
    assert len(names) == 25
    # The count, the page's ids, then those rows with their kind joined (no query per row).
    assert len(queries.captured_queries) == 3


def test_only_slices_are_served() -> None:
    with pytest.raises(TypeError):
        DeferredPage(_listed())[3]  # type: ignore[index]
