"""Pages of long lists that cost the same on page 1 and page 1,000.

A list ordered by a column that its scope index does not order (hazards of a township,
newest first) makes the database sort the whole subtree for every page. Sorting full rows
is what hurts; sorting the ids alone comes from a covering index and is several times
cheaper (measured in `bench/bench_hazards.py`). `DeferredPage` therefore selects the page's
ids in list order first and then the rows for exactly those ids ("deferred join").
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


class DeferredPage:
    """A queryset stand-in for `django.core.paginator.Paginator` and the API's `Page`."""

    ordered = True

    def __init__(self, queryset: QuerySet[Any]) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Any]:
        if not isinstance(item, slice):
            raise TypeError("DeferredPage only serves slices (pages)")
        ids = list(self.queryset.values_list("pk", flat=True)[item])
        if not ids:
            return []
        return self._rows(ids)

    def _rows(self, ids: list[Any]) -> list[Any]:
        """The rows of `ids` in list order, read by primary key only.

        Repeating the list's filters next to `pk IN (…)` makes SQLite scan the subtree again,
        so the rows are read through the unscoped manager (the ids are already scoped) with
        the list's joins, deferred columns and prefetches copied over. A list with
        annotations keeps its own query, since those cannot be copied safely.
        """
        source = self.queryset
        if source.query.annotations:
            rows = list(source.filter(pk__in=ids))
        else:
            plain = source.model._base_manager.filter(pk__in=ids)
            plain.query.select_related = source.query.select_related
            plain.query.deferred_loading = source.query.deferred_loading
            plain = plain.prefetch_related(*getattr(source, "_prefetch_related_lookups", ()))
            rows = list(plain)
        by_id = {row.pk: row for row in rows}
        return [by_id[pk] for pk in ids if pk in by_id]
