"""The jurisdiction tree (行政区划): county → township → village → grid."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jurisdictions.choices import CHILD_LEVEL, CODE_LENGTH, KINDS_BY_LEVEL, Kind, Level
from jurisdictions.geometry import bbox_of, centroid_of, validate_geometry
from yingji.models import Archivable, TimeStamped
from yingji.scoping import (
    PATH_SEPARATOR,
    PathField,
    ScopedManager,
    ScopedQuerySet,
    UnscopedManager,
    current_scope,
    path_codes,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class JurisdictionQuerySet(ScopedQuerySet["Jurisdiction"]):
    def visible_roots(self) -> Self:
        """The highest nodes the active scope can see: its own roots, or the tree's tops."""
        scope = current_scope()
        nodes = self.filter(archived_at__isnull=True)
        if scope.unrestricted:
            return nodes.filter(parent__isnull=True)
        return nodes.filter(path__in=scope.paths)

    def code_or_home(self, code: str | None) -> Jurisdiction:
        """The visible node named by `code`, or without one the user's own top node; else Http404.

        What every "report for a jurisdiction" page and endpoint starts from (?jurisdiction=).
        """
        from django.shortcuts import get_object_or_404

        if code:
            return get_object_or_404(self.active(), code=code)
        return get_object_or_404(self.visible_roots().order_by("path")[:1])

    def visible_code(self, code: str, *, field: str | None = "jurisdiction_code") -> Jurisdiction:
        """The active node with this code, or a ValidationError saying it is unknown or out of scope.

        Used wherever a user names a jurisdiction by code (API bodies, forms, imports): a
        node outside the user's subtree is reported exactly like one that does not exist.
        """
        node = self.active().filter(code=code).first()
        if node is None:
            message = gettext("辖区代码 %(code)s 不存在或不在您的辖区范围内") % {"code": code}
            raise ValidationError({field: message} if field else message)
        return node


_JurisdictionManagerBase = ScopedManager.from_queryset(JurisdictionQuerySet)


class JurisdictionManager(_JurisdictionManagerBase["Jurisdiction"]):
    """Scoped manager with tree helpers."""


class Jurisdiction(TimeStamped, Archivable):
    """A node of the tree (辖区): a county, township/street, village/community or grid.

    `path` is the chain of codes from the root (``/330225/330225001/``); a subtree is
    every node whose path starts with the root's, which `PathField.__within` turns into
    one indexed condition.
    """

    code = models.CharField(_("区划代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, db_index=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = PathField(_("路径"), unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("深度"), default=0, editable=False)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    boundary = models.JSONField(_("边界（GeoJSON, WGS-84）"), null=True, blank=True)
    centroid_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    centroid_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    population = models.PositiveIntegerField(_("常住人口"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    scope_path_field = "path"
    audited = True
    audit_exclude = frozenset({"min_lng", "min_lat", "max_lng", "max_lat"})

    objects = JurisdictionManager()
    unscoped = UnscopedManager()

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "sort_order"])]

    def __str__(self) -> str:
        return self.name

    @property
    def jurisdiction_code(self) -> str:
        return self.code

    @property
    def jurisdiction_path(self) -> str:
        return self.path

    @property
    def parent_code(self) -> str | None:
        codes = path_codes(self.path)
        return codes[-2] if len(codes) > 1 else None

    @property
    def child_level(self) -> str | None:
        return CHILD_LEVEL.get(Level(self.level))

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        expected = CODE_LENGTH[Level(self.level)]
        if not self.code.isdigit() or len(self.code) != expected:
            errors["code"] = _("%(level)s的区划代码应为 %(n)d 位数字") % {
                "level": Level(self.level).label,
                "n": expected,
            }
        if Kind(self.kind) not in KINDS_BY_LEVEL[Level(self.level)]:
            errors["kind"] = _("类型与层级不符")
        if self.parent is not None:
            if CHILD_LEVEL.get(Level(self.parent.level)) != self.level:
                errors["parent"] = _("上级辖区的层级不对")
            elif not self.code.startswith(self.parent.code):
                errors["code"] = _("区划代码应以上级代码 %(code)s 开头") % {"code": self.parent.code}
        elif self.level != Level.COUNTY:
            errors["parent"] = _("只有县级辖区可以没有上级")
        if self.boundary:
            try:
                validate_geometry(self.boundary)
            except ValueError as exc:
                errors["boundary"] = str(exc)
        if errors:
            raise ValidationError(errors)

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent is not None else PATH_SEPARATOR
        return f"{prefix}{self.code}{PATH_SEPARATOR}"

    def refresh_derived(self) -> None:
        """Recompute path, depth, centroid and bounding box from code, parent and boundary."""
        self.path = self.compute_path()
        self.depth = self.path.count(PATH_SEPARATOR) - 2
        if self.boundary:
            self.min_lng, self.min_lat, self.max_lng, self.max_lat = bbox_of(self.boundary)
            if self.centroid_lng is None or self.centroid_lat is None:
                self.centroid_lng, self.centroid_lat = centroid_of(self.boundary)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_derived()
        super().save(*args, **kwargs)

    def ancestors(self) -> list[Jurisdiction]:
        """Nodes above this one, root first (unscoped: breadcrumbs show the way up)."""
        codes = path_codes(self.path)[:-1]
        by_code = {j.code: j for j in Jurisdiction.unscoped.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]
