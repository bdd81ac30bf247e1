"""The responsibility-letter ledger (责任状台账): export, template and import of signed letters.

A row names its place by 统一社会信用代码 when it has one, else by 名称 + 地址 exactly as
registered — the same natural keys as the place ledger — so a township can fill in the
sheet it exported from the "未签订" list and import it back.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.roles import Capability
from letters import actions
from letters.choices import LetterKind
from letters.models import ResponsibilityLetter
from places.models import Place
from yingji import actions as base_actions
from yingji.ledgers import CellError, Column, Ledger, Outcome, ParsedRow, RowError

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00(?::00)?)?$")
KIND_BY_LABEL = {str(kind.label): kind.value for kind in LetterKind} | {
    "安全生产": LetterKind.SAFETY, "消防": LetterKind.FIRE, "消防安全": LetterKind.FIRE, "防汛防台": LetterKind.FLOOD,
}


def parse_date(value: str) -> date:
    match = _DATE.match(value)
    if not match:
        raise CellError("日期格式应为 2026-03-01（或 2026/3/1、2026年3月1日）")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise CellError("日期不存在，请核对月和日") from exc


def parse_year(value: str) -> int:
    text = value.removesuffix("年").removesuffix(".0")
    if not text.isdigit() or len(text) != 4:
        raise CellError("年度应为四位数字，如 2026")
    return int(text)


def parse_kind(value: str) -> str:
    kind = KIND_BY_LABEL.get(value) or (value if value in LetterKind.values else None)
    if kind is None:
        raise CellError(f"责任状类型应为：{'、'.join(str(k.label) for k in LetterKind)}")
    return str(kind)


LETTER_LEDGER = Ledger(
    name="责任状台账",
    columns=(
        Column("credit_code", "统一社会信用代码", text=True, width=22, help="有代码的单位按代码匹配场所"),
        Column("name", "场所名称", width=26, help="无信用代码时按“场所名称 + 地址”匹配，须与场所台账一致"),
        Column("address", "地址", width=30),
        Column("jurisdiction_code", "所属辖区代码", text=True, width=17, importable=False),
        Column("year", "年度", parse=parse_year, required=True, example="2026", width=8),
        Column("kind", "责任状类型", parse=parse_kind, required=True, choices=[str(k.label) for k in LetterKind], width=16),
        Column("signed_on", "签订日期", parse=parse_date, required=True, example="2026-03-01", width=12),
        Column("signatory", "签订人（单位方）", width=14, help="留空时取场所登记的负责人"),
        Column("countersigned_by", "签订人（属地方）", width=14),
        Column("note", "备注", width=20),
    ),
    natural_key=("credit_code", "name", "address", "year", "kind"),
    field_columns={"signed_on": "signed_on", "year": "year", "signatory": "signatory", "kind": "kind"},
)


def export_rows(letters: Iterable[ResponsibilityLetter]) -> Iterator[dict[str, Any]]:
    for letter in letters:
        yield {
            "credit_code": letter.place.credit_code,
            "name": letter.place.name,
            "address": letter.place.address,
            "jurisdiction_code": letter.jurisdiction.code,
            "year": letter.year,
            "kind": str(letter.get_kind_display()),
            "signed_on": letter.signed_on.isoformat(),
            "signatory": letter.signatory,
            "countersigned_by": letter.countersigned_by,
            "note": letter.note,
        }


def unsigned_rows(places: Iterable[Place], year: int, kind: str) -> Iterator[dict[str, Any]]:
    """The "未签订" list as a sheet ready to fill in: dates left empty for the cadre."""
    label = str(LetterKind(kind).label)
    for place in places:
        yield {
            "credit_code": place.credit_code,
            "name": place.name,
            "address": place.address,
            "jurisdiction_code": place.jurisdiction.code,
            "year": year,
            "kind": label,
            "signatory": actions.default_signatory(place, kind),
        }


class LetterImporter:
    """Signs (or corrects) one letter per row through `letters.actions.sign`."""

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.EDIT_REGISTRY)
        self.user = user
        self.by_code: dict[str, list[Place]] = defaultdict(list)
        self.by_name: dict[tuple[str, str], list[Place]] = defaultdict(list)

    def prepare(self, rows: list[ParsedRow]) -> None:
        """Find every place the file names in one query through the scoped manager."""
        codes = {row.get("credit_code") for row in rows} - {""}
        names = {(row.get("name"), row.get("address")) for row in rows if not row.get("credit_code")}
        condition = Q(credit_code__in=codes)
        for name, address in names:
            condition |= Q(name=name, address=address)
        places = Place.objects.filter(condition, archived_at__isnull=True).select_related("jurisdiction")
        for place in places.defer("jurisdiction__boundary"):
            if place.credit_code:
                self.by_code[place.credit_code].append(place)
            self.by_name[(place.name, place.address)].append(place)

    def _place(self, row: ParsedRow) -> Place:
        code, name, address = row.get("credit_code"), row.get("name"), row.get("address")
        if code:
            matches, column, what = self.by_code.get(code, []), "credit_code", f"信用代码 {code}"
        elif name and address:
            matches, column, what = self.by_name.get((name, address), []), "name", f"“{name}”（{address}）"
        else:
            raise RowError("credit_code", "请填写统一社会信用代码，或同时填写场所名称和地址")
        if not matches:
            raise RowError(column, f"找不到{what}对应的场所，或不在您的辖区范围内；请先在场所台账中登记")
        if len(matches) > 1:
            raise RowError(column, f"{what}对应 {len(matches)} 个场所，无法确定是哪一个；请改用信用代码或先处理重复登记")
        return matches[0]

    def apply(self, row: ParsedRow) -> Outcome:
        place = self._place(row)
        year, kind = row.get("year"), row.get("kind")
        try:
            letter, state = actions.sign(
                self.user,
                place,
                year=year,
                kind=kind,
                signed_on=row.get("signed_on"),
                signatory=row.get("signatory"),
                countersigned_by=row.get("countersigned_by"),
                note=row.get("note"),
            )
        except ValidationError as exc:
            field, message = next(iter(exc.message_dict.items())) if hasattr(exc, "error_dict") else ("signed_on", exc.messages)
            raise RowError(LETTER_LEDGER.field_columns.get(field, "signed_on"), "；".join(message)) from exc
        return Outcome(state, f"{place.name} {year}年{letter.get_kind_display()}")
