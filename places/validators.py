"""Validators of the place registry: the unified social credit code (GB 32100-2015)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015: 31 characters (digits and capital letters without I, O, Z, S, V), each with
# a value 0–30; the 18th character is the check character over the first 17.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_CHARSET)}
CREDIT_CODE_LENGTH = 18


def credit_code_check_char(first17: str) -> str:
    """The check character of a credit code from its first 17 characters (C18 = 31 − Σ mod 31)."""
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """Upper case without spaces; full-width letters and digits as typed on Chinese keyboards become ASCII."""
    text = (value or "").strip().replace(" ", "").replace("\u3000", "")
    text = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)
    return text.upper()


def validate_credit_code(value: str) -> None:
    """Raise a ValidationError saying exactly what is wrong with a credit code."""
    code = normalize_credit_code(value)
    if len(code) != CREDIT_CODE_LENGTH:
        raise ValidationError(
            _("统一社会信用代码应为 18 位（现为 %(n)d 位），请对照营业执照核对") % {"n": len(code)}, code="credit_length"
        )
    bad = sorted({c for c in code if c not in _VALUES})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符“%(chars)s”（代码由数字和除 I、O、Z、S、V 以外的大写字母组成）")
            % {"chars": "".join(bad)},
            code="credit_charset",
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位不正确（最后一位按规则应为 %(expected)s），请对照营业执照逐位核对") % {"expected": expected},
            code="credit_check",
        )
