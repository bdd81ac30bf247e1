"""Recording and withdrawing signed responsibility letters.

Signing is idempotent per (place, year, kind): signing again corrects the live letter
rather than adding a second one. A withdrawn letter is archived with a reason, so the
record of what was once signed survives.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from letters.choices import LetterKind
from letters.models import LetterRule, ResponsibilityLetter
from places.models import Place
from yingji.actions import apply_changes, archive, locked, require
from yingji.ledgers import CREATED, UNCHANGED, UPDATED

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# A scan is a PDF or a photo; recognised by its first bytes, not by the name the browser sent.
ATTACHMENT_SIGNATURES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def check_attachment(upload: UploadedFile) -> None:
    if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachment": _("扫描件不能超过 10 MB，请压缩后再上传。")})
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(ATTACHMENT_SIGNATURES):
        raise ValidationError({"attachment": _("扫描件须为 PDF、JPG 或 PNG 文件。")})


def check_year_and_date(year: int, signed_on: date) -> None:
    today = timezone.localdate()
    errors = {}
    if not 2000 <= year <= today.year + 1:
        errors["year"] = _("年度应在 2000 年至 %(max)s 年之间。") % {"max": today.year + 1}
    if signed_on > today:
        errors["signed_on"] = _("签订日期不能晚于今天。")
    elif signed_on.year not in (year - 1, year):
        errors["signed_on"] = _("%(year)s 年度的责任状应在 %(prev)s 年或 %(year)s 年内签订，请核对年度或日期。") % {
            "year": year,
            "prev": year - 1,
        }
    if errors:
        raise ValidationError(errors)


def default_signatory(place: Place, kind: str) -> str:
    """The fire letter is the fire-safety responsible person's; the others the legal representative's."""
    if kind == LetterKind.FIRE and place.fire_responsible_name:
        return place.fire_responsible_name
    return place.legal_rep_name or place.fire_responsible_name


@transaction.atomic
def sign(
    user: Any,
    place: Place,
    *,
    year: int,
    kind: str,
    signed_on: date,
    signatory: str = "",
    countersigned_by: str = "",
    note: str = "",
    attachment: UploadedFile | None = None,
) -> tuple[ResponsibilityLetter, str]:
    """Record a signed letter; returns the letter and "created", "updated" or "unchanged"."""
    require(user, Capability.EDIT_REGISTRY)
    if kind not in LetterKind.values:
        raise ValidationError({"kind": _("责任状类型应为：%(kinds)s") % {"kinds": "、".join(str(label) for label in LetterKind.labels)}})
    check_year_and_date(year, signed_on)
    if place.archived_at is not None:
        raise ValidationError({"place": _("该场所已归档，不能签订责任状。")})
    signatory = (signatory or default_signatory(place, kind)).strip()
    if not signatory:
        raise ValidationError({"signatory": _("请填写单位方签订人（场所未登记负责人姓名）。")})
    if attachment is not None:
        check_attachment(attachment)
    values = {"signed_on": signed_on, "signatory": signatory, "countersigned_by": countersigned_by.strip(), "note": note.strip()}
    existing = ResponsibilityLetter.objects.filter(place=place, year=year, kind=kind, archived_at__isnull=True).first()
    if existing is not None:
        letter = locked(existing)
        changed = apply_changes(letter, values)
        if attachment is not None:
            letter.attachment = attachment
            changed.append("attachment")
        if not changed:
            return letter, UNCHANGED
        letter.full_clean()
        letter.save(update_fields=[*changed, "updated_at"])
        return letter, UPDATED
    letter = ResponsibilityLetter(place=place, jurisdiction=place.jurisdiction, year=year, kind=kind, **values)
    if attachment is not None:
        letter.attachment = attachment
    letter.full_clean()
    letter.save()
    return letter, CREATED


@transaction.atomic
def sign_many(user: Any, places: list[Place], *, year: int, kind: str, signed_on: date, countersigned_by: str = "") -> int:
    """Record one letter for each place (a cadre's afternoon of collected signatures); all or none."""
    require(user, Capability.EDIT_REGISTRY)
    if not places:
        raise ValidationError(_("请至少选择一个场所。"))
    missing = [place.name for place in places if not default_signatory(place, kind)]
    if missing:
        raise ValidationError(
            _("以下场所未登记负责人姓名，请逐个签订并填写签订人：%(names)s") % {"names": "、".join(missing[:10])}
        )
    created = 0
    for place in places:
        _letter, state = sign(user, place, year=year, kind=kind, signed_on=signed_on, countersigned_by=countersigned_by)
        created += state == CREATED
    return created


@transaction.atomic
def withdraw(user: Any, letter: ResponsibilityLetter, *, reason: str) -> ResponsibilityLetter:
    require(user, Capability.EDIT_REGISTRY)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤销原因。")})
    return archive(locked(letter), by=user, reason=reason.strip())


@transaction.atomic
def set_rule(user: Any, kind: str, *, categories: list[str], active: bool = True) -> LetterRule:
    """Narrow or widen which places must sign a kind of letter (county-wide rule)."""
    from places.choices import PlaceCategory

    require(user, Capability.CONFIGURE_RULES)
    unknown = sorted(set(categories) - set(PlaceCategory.values))
    if unknown:
        raise ValidationError({"categories": _("未知的场所大类：%(codes)s") % {"codes": "、".join(unknown)}})
    rule = LetterRule.objects.filter(kind=kind).first() or LetterRule(kind=kind)
    if rule.pk:
        rule = locked(rule)
    changed = apply_changes(rule, {"categories": sorted(set(categories)), "active": active})
    if not rule.pk or changed:
        rule.full_clean()
        rule.save()
    return rule
