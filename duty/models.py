"""值班值守: duty shifts per jurisdiction and who stands them (值班员, 带班领导).

A shift (`DutyShift`) is a time span in one jurisdiction. Who stands it is a set of
`DutyAssignment` rows. A swap or override never edits an assignment: it ends the old one
(`replaced_at`, `change_reason`) and creates a new one pointing at it (`replaces`), so the
original roster stays visible and audited.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.db import models
from django.utils.translation import gettext_lazy as _

from duty.choices import ChangeKind, DutyRole
from yingji.models import Registry
from yingji.scoping import ScopedManager, ScopedQuerySet, UnscopedManager


class DutyShiftQuerySet(ScopedQuerySet["DutyShift"]):
    def covering(self, at: Any) -> Self:
        """Shifts running at instant `at`: start inclusive, end exclusive, so boundaries never overlap."""
        return self.filter(starts_at__lte=at, ends_at__gt=at, archived_at__isnull=True)

    def overlapping(self, starts_at: Any, ends_at: Any) -> Self:
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at, archived_at__isnull=True)


_ShiftManagerBase = ScopedManager.from_queryset(DutyShiftQuerySet)


class DutyShiftManager(_ShiftManagerBase["DutyShift"]):
    """Scoped manager with `covering()` and `overlapping()`."""


_ShiftUnscopedBase = UnscopedManager.from_queryset(DutyShiftQuerySet)


class DutyShiftUnscopedManager(_ShiftUnscopedBase["DutyShift"]):
    """For system code (the escalation worker's `on_duty`): no scope, same helpers."""


class DutyShift(Registry):
    """One duty shift (班次) of a jurisdiction, e.g. 丹东街道 2026-07-01 08:30 → 07-02 08:30."""

    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"), db_index=True)
    duty_phone = models.CharField(_("值班电话"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects: ClassVar[DutyShiftManager] = DutyShiftManager()
    unscoped: ClassVar[DutyShiftUnscopedManager] = DutyShiftUnscopedManager()

    class Meta:
        verbose_name = _("值班班次")
        verbose_name_plural = _("值班班次")
        ordering = ["jurisdiction_path", "starts_at", "id"]
        indexes = [models.Index(fields=["jurisdiction", "starts_at", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.starts_at:%Y-%m-%d %H:%M}"


class AssignmentQuerySet(ScopedQuerySet["DutyAssignment"]):
    def standing(self) -> Self:
        """Assignments still in force (not replaced by a swap or override, not archived)."""
        return self.filter(replaced_at__isnull=True, archived_at__isnull=True)


_AssignmentManagerBase = ScopedManager.from_queryset(AssignmentQuerySet)


class AssignmentManager(_AssignmentManagerBase["DutyAssignment"]):
    """Scoped manager with `standing()`."""


_AssignmentUnscopedBase = UnscopedManager.from_queryset(AssignmentQuerySet)


class AssignmentUnscopedManager(_AssignmentUnscopedBase["DutyAssignment"]):
    """For system code: no scope, with `standing()`."""


class DutyAssignment(Registry):
    """A person standing a shift in one role (值班员 or 带班领导); replaced, never edited."""

    shift = models.ForeignKey(DutyShift, verbose_name=_("班次"), on_delete=models.PROTECT, related_name="assignments")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="duty_assignments"
    )
    role = models.CharField(_("角色"), max_length=10, choices=DutyRole.choices, default=DutyRole.OFFICER)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("替换的安排"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    change_kind = models.CharField(_("变更方式"), max_length=10, choices=ChangeKind.choices, blank=True)
    change_reason = models.CharField(_("变更原因"), max_length=200, blank=True)
    replaced_at = models.DateTimeField(_("被替换时间"), null=True, blank=True, editable=False)

    objects: ClassVar[AssignmentManager] = AssignmentManager()
    unscoped: ClassVar[AssignmentUnscopedManager] = AssignmentUnscopedManager()

    class Meta:
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")
        ordering = ["shift_id", "role", "id"]
        indexes = [models.Index(fields=["shift", "replaced_at"])]

    def __str__(self) -> str:
        return f"{self.shift} {self.get_role_display()}：{self.person}"

    @property
    def is_standing(self) -> bool:
        return self.replaced_at is None and self.archived_at is None
