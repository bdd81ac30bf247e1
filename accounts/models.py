"""User accounts, tied to a person and a jurisdiction, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, has_capability
from yingji.scoping import PathField, restrict


class ScopedUserManager(UserManager["User"]):
    """Accounts are scoped like every registry: an admin sees the accounts of their subtree."""

    applies_scope = True

    def get_queryset(self) -> models.QuerySet[User]:
        return restrict(super().get_queryset())


class User(AbstractUser):
    """A login account (账号). Its scope is the subtree of `jurisdiction`; its role sets what it may do."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    jurisdiction = models.ForeignKey(
        "jurisdictions.Jurisdiction",
        verbose_name=_("所属辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    jurisdiction_path = PathField(_("辖区路径"), blank=True, editable=False)
    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("对应人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    # Kept on the account (and so in its change log) because "why was this person cut
    # off?" is the first question when a deactivated user calls the township.
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    deactivation_reason = models.CharField(_("停用原因"), max_length=200, blank=True)

    scope_path_field = "jurisdiction_path"
    audited = True
    audit_exclude = frozenset({"password", "last_login"})

    objects: ClassVar[ScopedUserManager] = ScopedUserManager()
    unscoped = UserManager()

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")
        ordering = ["username"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.jurisdiction_path = self.jurisdiction.path if self.jurisdiction is not None else ""
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if self.person is not None:
            return self.person.name
        return self.get_full_name() or self.username

    def can(self, capability: str) -> bool:
        return has_capability(self, capability)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the raw value is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            key_hash=hash_token(raw),
            prefix=raw[:8],
            expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
        return token, raw
