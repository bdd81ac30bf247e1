"""Abstract model tiers shared by every registry (no concrete models live here).

- `TimeStamped`: created/updated stamps.
- `JurisdictionBound`: the record's smallest jurisdiction plus a copy of its path, so the
  scope filter is one indexed prefix condition with no join.
- `Archivable`: ledgers are archived, never hard-deleted.
- `Registry`: all of the above plus the audit trail; what a domain ledger inherits.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.scoping import PathField, ScopedManager, UnscopedManager


class LedgerDeletionRefused(Exception):
    """Raised when code tries to hard-delete a ledger row; archive it instead."""


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class JurisdictionBound(models.Model):
    """A record that belongs to one node of the jurisdiction tree."""

    jurisdiction = models.ForeignKey(
        "jurisdictions.Jurisdiction",
        verbose_name=_("所属辖区"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    jurisdiction_path = PathField(_("辖区路径"), editable=False)

    scope_path_field = "jurisdiction_path"

    objects = ScopedManager()
    unscoped = UnscopedManager()

    class Meta:
        abstract = True

    @property
    def jurisdiction_code(self) -> str:
        return self.jurisdiction.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sync_jurisdiction_path()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "jurisdiction" in update_fields:
            kwargs["update_fields"] = {*update_fields, "jurisdiction_path"}
        super().save(*args, **kwargs)

    def sync_jurisdiction_path(self) -> None:
        if self.jurisdiction_id is not None:
            self.jurisdiction_path = self.jurisdiction.path


class Archivable(models.Model):
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True, editable=False, db_index=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("归档人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    archive_reason = models.CharField(_("归档原因"), max_length=200, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise LedgerDeletionRefused(f"{self._meta.verbose_name} 不可删除，请归档。")


class Registry(TimeStamped, JurisdictionBound, Archivable):
    """Base of every domain ledger: scoped, stamped, archivable and audited."""

    audited = True

    class Meta:
        abstract = True
