"""Jurisdiction scoping: the one mechanism that limits every query to a user's subtree.

Each request fixes a `Scope` (the paths of the subtrees the user may see) in a context
variable. Every model bound to a jurisdiction has `ScopedManager` as its default manager,
which adds one indexed path-prefix condition for the active scope. Views, API handlers,
exports and map layers therefore never filter by themselves; an object outside the
scope simply does not exist for them (and `get_object_or_404` answers 404).

Outside a request (management commands, the worker, the shell) the scope is
unrestricted unless code enters `use_scope()` explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from django.db import models
from django.db.models import Lookup, Q

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

_M = TypeVar("_M", bound=models.Model)
_QS = TypeVar("_QS", bound=models.QuerySet[Any])

PATH_SEPARATOR = "/"
_PATH_RE = re.compile(r"^/([0-9A-Za-z]+/)+$")


@dataclass(frozen=True)
class Scope:
    """The jurisdiction subtrees one actor may see; no paths and not unrestricted = nothing."""

    paths: tuple[str, ...] = ()
    unrestricted: bool = False

    def allows_path(self, path: str | None) -> bool:
        if self.unrestricted:
            return True
        return bool(path) and any(path.startswith(root) for root in self.paths)  # type: ignore[union-attr]


UNRESTRICTED = Scope(unrestricted=True)
NOTHING = Scope()

_current_scope: ContextVar[Scope] = ContextVar("yingji_scope", default=UNRESTRICTED)


def current_scope() -> Scope:
    return _current_scope.get()


def activate(scope: Scope) -> Token[Scope]:
    """Set the scope for the rest of this context; pair with `deactivate(token)`."""
    return _current_scope.set(scope)


def deactivate(token: Token[Scope]) -> None:
    _current_scope.reset(token)


@contextmanager
def use_scope(scope: Scope) -> Iterator[Scope]:
    token = activate(scope)
    try:
        yield scope
    finally:
        deactivate(token)


def unscoped() -> Any:
    """Run a block with no restriction (system work: seeding, the worker, migrations)."""
    return use_scope(UNRESTRICTED)


def scope_for_user(user: Any) -> Scope:
    """The scope a user works in: superusers see everything, others their node's subtree."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return UNRESTRICTED
    path = getattr(user, "jurisdiction_path", "") or ""
    return Scope(paths=(path,)) if path else NOTHING


class PathField(models.CharField):
    """A materialized jurisdiction path such as ``/330225/330225001/``; supports ``__within``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)


def _check_path(value: str) -> str:
    if not isinstance(value, str) or not _PATH_RE.match(value):
        raise ValueError(f"not a jurisdiction path: {value!r}")
    return value


@PathField.register_lookup
class Within(Lookup):
    """``path__within=root``: the row lies in the subtree rooted at ``root``.

    One indexed condition on each database: a range on SQLite (whose LIKE is
    case-insensitive and skips the index), ``LIKE 'root%'`` on PostgreSQL, which Django
    backs with a ``varchar_pattern_ops`` index for indexed character columns.
    """

    lookup_name = "within"
    prepare_rhs = False

    def get_prep_lookup(self) -> str:
        return _check_path(self.rhs)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} LIKE %s", [*lhs_params, self.rhs + "%"]

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        upper = self.rhs[:-1] + chr(ord(self.rhs[-1]) + 1)
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, self.rhs, *lhs_params, upper]


def path_codes(path: str) -> list[str]:
    """The codes along a path, root first: ``/330225/330225001/`` → ``["330225", "330225001"]``."""
    return [code for code in path.split(PATH_SEPARATOR) if code]


def scope_condition(field: str, scope: Scope) -> Q | None:
    """The Q object for a scope on a path field; None when unrestricted."""
    if scope.unrestricted:
        return None
    condition = Q(pk__in=[])
    for root in scope.paths:
        condition |= Q(**{f"{field}__within": root})
    return condition


def restrict(queryset: _QS, scope: Scope | None = None) -> _QS:
    """Limit a queryset of a scoped model to a scope (the active one by default)."""
    scope = current_scope() if scope is None else scope
    condition = scope_condition(queryset.model.scope_path_field, scope)
    if condition is None:
        return queryset
    if not scope.paths:
        return queryset.none()
    return queryset.filter(condition)


class ScopedQuerySet(models.QuerySet[_M]):
    def active(self) -> Self:
        """Rows not archived (ledgers are archived, never deleted)."""
        if any(f.name == "archived_at" for f in self.model._meta.fields):
            return self.filter(archived_at__isnull=True)
        return self


class ScopedManager(models.Manager[_M]):
    """Default manager of every jurisdiction-bound model: applies the active scope."""

    # Written out rather than `Manager.from_queryset(ScopedQuerySet)` so that the
    # django-stubs plugin can derive typed managers (`ScopedManager.from_queryset(...)`) from it.
    _queryset_class = ScopedQuerySet  # so get_queryset() builds a ScopedQuerySet (hence the casts)
    applies_scope = True

    def get_queryset(self) -> ScopedQuerySet[_M]:
        return restrict(cast("ScopedQuerySet[_M]", super().get_queryset()))

    def active(self) -> ScopedQuerySet[_M]:
        return self.get_queryset().active()


class UnscopedManager(models.Manager[_M]):
    """Explicitly unrestricted access, for system code (auth lookups, the worker, seeding)."""

    _queryset_class = ScopedQuerySet

    def get_queryset(self) -> ScopedQuerySet[_M]:
        return cast("ScopedQuerySet[_M]", super().get_queryset())

    def active(self) -> ScopedQuerySet[_M]:
        return self.get_queryset().active()
