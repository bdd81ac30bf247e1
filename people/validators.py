"""Validators for Chinese mobile numbers and resident ID numbers (GB 11643)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(_("手机号应为 11 位数字，以 1 开头，例如 13800000000"), code="mobile")


def id_number_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """18-character resident ID with the GB 11643 check character."""
    value = (value or "").strip().upper()
    if not re.match(r"^\d{17}[\dX]$", value):
        raise ValidationError(_("身份证号应为 18 位，前 17 位为数字，最后一位为数字或 X"), code="id_format")
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对"), code="id_check")
