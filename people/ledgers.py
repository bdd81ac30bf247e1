"""The people ledger (人员台账): Excel export of the directory and import of people and positions.

Natural key: (所属辖区代码, 手机号). A row whose mobile matches a person already kept by
the same jurisdiction updates that person; otherwise the row registers a new person.
Jurisdiction is part of the key because the same mobile may legitimately be on record in
two villages (a cadre who is also a place contact elsewhere), and because a person is
moved between jurisdictions on their page, not by an import. Every change goes through
`people.actions`, so capabilities, validation and the audit trail are the same as for
the forms.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.roles import Capability
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people import actions
from people.choices import Gender
from people.models import Person, Position, PositionKind
from people.protection import mask_id_number, mask_mobile, unseal
from people.validators import validate_id_number, validate_mobile
from yingji import actions as base_actions
from yingji.ledgers import (
    CREATED,
    UNCHANGED,
    UPDATED,
    CellError,
    Column,
    Ledger,
    Outcome,
    ParsedRow,
    RowError,
)

EXPORT_CHUNK = 1000
GENDER_IN = {"男": Gender.MALE, "女": Gender.FEMALE, "男性": Gender.MALE, "女性": Gender.FEMALE, "M": Gender.MALE, "F": Gender.FEMALE}
_CODE_RE = re.compile(r"^\d{6,20}$")
_MOBILE_NOISE = re.compile(r"[\s\-－]")


class MaskedIdNumber(str):
    """An ID number as our own exports show it (110***********002X): means “leave as it is”."""

    __slots__ = ()


def parse_gender(value: str) -> str:
    gender = GENDER_IN.get(value.upper() if value.isascii() else value)
    if gender is None:
        raise CellError("性别请填写“男”或“女”，不清楚可留空")
    return str(gender)


def parse_mobile(value: str) -> str:
    if "*" in value:
        raise CellError(
            "手机号是脱敏显示的，无法导入；请填写完整的 11 位手机号（有“查看完整手机号”权限的账号导出的台账含完整号码）"
        )
    value = _MOBILE_NOISE.sub("", value)
    if value.startswith("+86"):
        value = value[3:]
    validate_mobile(value)
    return value


def parse_id_number(value: str) -> str:
    value = value.upper()
    if "*" in value:
        return MaskedIdNumber(value)
    validate_id_number(value)
    return value


def parse_code(value: str) -> str:
    if not _CODE_RE.match(value):
        raise CellError("辖区代码应为 6～15 位数字（统计用区划代码），例如 330225001001；可在“辖区”页面或辖区台账中查到")
    return value


def kind_names() -> list[str]:
    return list(PositionKind.objects.order_by("sort_order", "code").values_list("name", flat=True))


PEOPLE_LEDGER = Ledger(
    name="人员台账",
    columns=(
        Column("name", "姓名", aliases=("人员姓名", "名字"), required=True, max_length=40, example="张三", width=12),
        Column("gender", "性别", parse=parse_gender, choices=("男", "女"), example="男", width=8, help="男 或 女，可留空"),
        Column(
            "mobile",
            "手机号",
            aliases=("手机", "手机号码", "联系电话", "移动电话"),
            parse=parse_mobile,
            required=True,
            text=True,
            example="13800000000",
            width=15,
            help="11 位手机号。与“所属辖区代码”一起识别同一个人：该辖区已登记此手机号的人会被更新，否则新增",
        ),
        Column(
            "id_number",
            "身份证号",
            aliases=("身份证", "身份证号码", "公民身份号码"),
            parse=parse_id_number,
            text=True,
            mask=mask_id_number,
            example="11010519491231002X",
            width=21,
            help="18 位，最后一位可为 X；留空或保留导出的脱敏号码表示不修改",
        ),
        Column(
            "jurisdiction_code",
            "所属辖区代码",
            aliases=("辖区代码", "区划代码", "所属辖区编码"),
            parse=parse_code,
            required=True,
            text=True,
            example="330225001001",
            width=17,
            help="登记此人的辖区（乡镇、村社区或网格）的区划代码；只能填本账号辖区范围内的代码",
        ),
        Column("jurisdiction_name", "所属辖区", width=16, importable=False, help="导出时附带，导入时不读取（以代码为准）"),
        Column("organization", "工作单位", aliases=("单位",), max_length=100, example="丹东街道应急消防管理站", width=24),
        Column("title", "职务", max_length=60, example="站长", width=12),
        Column("positions", "当前岗位", width=30, importable=False, help="导出时附带，导入时不读取；任命岗位请用“岗位类型”列"),
        Column("note", "备注", example="", width=24),
        Column(
            "kind",
            "岗位类型",
            aliases=("岗位",),
            parse=str.strip,  # name or code; the importer looks it up and says what exists
            choices=kind_names,
            exportable=False,
            example="网格员",
            width=20,
            help="选填：填写即任命该岗位（需要“任免岗位”权限）；已担任的岗位不会重复任命",
        ),
        Column(
            "position_jurisdiction_code",
            "任职辖区代码",
            aliases=("任职辖区",),
            parse=parse_code,
            text=True,
            exportable=False,
            example="330225001001001",
            width=17,
            help="岗位所在辖区的代码；留空表示在所属辖区任职。网格员填网格代码，村(社区)应急消防管理员填村社区代码",
        ),
    ),
    natural_key=("jurisdiction_code", "mobile"),
    field_columns={"jurisdiction": "jurisdiction_code", "id_number": "id_number"},
    notes=(
        "同一所属辖区内手机号相同的人视为同一人：已登记的按本行更新，未登记的新增。一个人只占一行。",
        "某一列整列不存在时，不修改该项；列存在但单元格为空，会清空该项（身份证号除外：留空表示不修改）。",
        "导出的台账中身份证号是脱敏的，原样导回不会修改；要更正请填写完整的 18 位号码。",
        "人员调到其他辖区请在人员页面编辑“所属辖区”；导入时改了所属辖区代码会被当作另一个人新增。",
        "导入只新增或更新人员、任命岗位，不会归档人员，也不会让人离任。",
    ),
)

PERSON_FIELDS = ("name", "gender", "organization", "title", "note")


# --- export -------------------------------------------------------------------------------


def export_rows(people: QuerySet[Person], user: Any) -> Iterator[dict[str, Any]]:
    """Ledger rows for a (scoped, filtered) people queryset; mobiles masked unless the user may see them.

    Reads in chunks, so a county's directory costs a few queries and bounded memory.
    """
    full_mobile = user.can(Capability.SEE_MOBILE)
    current = Position.objects.current().select_related("kind", "jurisdiction").defer("jurisdiction__boundary")
    people = (
        people.prefetch_related(None)
        .select_related("jurisdiction")
        .defer("jurisdiction__boundary", "id_number_sealed")
        .prefetch_related(_current_positions(current))
    )
    for person in people.iterator(chunk_size=EXPORT_CHUNK):
        yield {
            "name": person.name,
            "gender": person.get_gender_display() if person.gender else "",
            "mobile": person.mobile if full_mobile else mask_mobile(person.mobile),
            "id_number": person.id_number_masked,
            "jurisdiction_code": person.jurisdiction.code,
            "jurisdiction_name": person.jurisdiction.name,
            "organization": person.organization,
            "title": person.title,
            "positions": "；".join(f"{p.jurisdiction.name}{p.kind.name}" for p in person.current_positions),  # type: ignore[attr-defined]  # Prefetch(to_attr=...)
            "note": person.note,
        }


def _current_positions(queryset: QuerySet[Position]) -> Any:
    from django.db.models import Prefetch

    return Prefetch("positions", queryset=queryset.order_by("kind__sort_order", "id"), to_attr="current_positions")


# --- import -------------------------------------------------------------------------------


class PeopleImporter:
    """Creates and updates people and appoints positions for the rows of a people ledger."""

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.EDIT_REGISTRY)
        self.user = user
        self.may_appoint = user.can(Capability.MANAGE_POSITIONS)
        self.nodes: dict[str, Jurisdiction] = {}
        self.kinds: dict[str, PositionKind] = {}
        self.people: dict[tuple[int, str], list[Person]] = defaultdict(list)
        self.holdings: set[tuple[int, int, int]] = set()

    def prepare(self, rows: list[ParsedRow]) -> None:
        """Look up every code, kind and existing person of the file in four queries."""
        codes = {r.get(k) for r in rows for k in ("jurisdiction_code", "position_jurisdiction_code")} - {""}
        nodes = Jurisdiction.objects.active().filter(code__in=codes).defer("boundary")
        self.nodes = {node.code: node for node in nodes}
        for kind in PositionKind.objects.all():
            self.kinds[kind.name] = self.kinds[kind.code] = kind
        mobiles = {r.get("mobile") for r in rows}
        existing = Person.objects.filter(jurisdiction__in=list(self.nodes.values()), mobile__in=mobiles)
        for person in existing.order_by("id"):
            self.people[(person.jurisdiction_id, person.mobile)].append(person)
        held = Position.objects.current().filter(person__in=existing).values_list("person_id", "kind_id", "jurisdiction_id")
        self.holdings = set(held)

    def apply(self, row: ParsedRow) -> Outcome:
        code, mobile = row.get("jurisdiction_code"), row.get("mobile")
        node = self.nodes.get(code)
        if node is None:
            raise RowError(
                "jurisdiction_code", f"辖区代码 {code} 不存在、已撤销或不在您的辖区范围内；请核对代码（可在“辖区”页面查到）"
            )
        kind, post = self._position(row, node)
        matches = self.people.get((node.pk, mobile), [])
        if len(matches) > 1:
            raise RowError(
                "mobile", f"{node.name}已有 {len(matches)} 人登记了此手机号，无法确定更新哪一位；请先在人员页面归档重复登记的人员"
            )
        if matches:
            person, outcome = self._update(matches[0], row, kind is not None)
        else:
            person = self._create(row, node)
            outcome = Outcome(CREATED, f"{person.name}（{node.name}）")
        if kind is not None and post is not None and self._appoint(person, kind, post):
            action = CREATED if outcome.action == CREATED else UPDATED
            summary = outcome.summary if outcome.action != UNCHANGED else person.name
            outcome = Outcome(action, f"{summary}；任命为{post.name}{kind.name}")
        return outcome

    def _position(self, row: ParsedRow, node: Jurisdiction) -> tuple[PositionKind | None, Jurisdiction | None]:
        kind_text, post_code = row.get("kind"), row.get("position_jurisdiction_code")
        if not kind_text and not post_code:
            return None, None
        if not kind_text:
            raise RowError("kind", "填写了“任职辖区代码”但没有填写“岗位类型”；请补上岗位类型，或清空任职辖区代码")
        if not self.may_appoint:
            raise RowError(
                "kind",
                "当前角色无权任免岗位（需要“任免岗位”权限）；请清空此行的“岗位类型”和“任职辖区代码”后导入，岗位请乡镇管理员任命",
            )
        kind = self.kinds.get(kind_text)
        if kind is None:
            names = "、".join(dict.fromkeys(k.name for k in self.kinds.values()))
            raise RowError("kind", f"岗位类型“{kind_text}”不存在；请从下拉列表中选择：{names}")
        post = self.nodes.get(post_code) if post_code else node
        if post is None:
            raise RowError(
                "position_jurisdiction_code", f"任职辖区代码 {post_code} 不存在、已撤销或不在您的辖区范围内；请核对代码"
            )
        if kind.level and kind.level != post.level:
            wanted = kind.get_level_label()
            raise RowError(
                "position_jurisdiction_code" if post_code else "kind",
                f"“{kind.name}”岗位只能设在{wanted}，而{post.name}是{Level(post.level).label}；请在“任职辖区代码”填写{wanted}的代码",
            )
        return kind, post

    def _id_number_change(self, person: Person | None, value: str) -> str | None:
        """The new ID number, or None to leave it (blank, or the masked form shown in exports)."""
        if isinstance(value, MaskedIdNumber):
            if person is None:
                raise RowError("id_number", "新登记的人员不能填写脱敏的身份证号；请填写完整的 18 位身份证号，或留空")
            if value != person.id_number_masked:
                raise RowError(
                    "id_number", "身份证号是脱敏显示的，与系统中登记的不一致，无法识别；请填写完整的 18 位身份证号，或留空表示不修改"
                )
            return None
        if not value:
            return None
        if person is not None and person.id_number_sealed and unseal(person.id_number_sealed) == value:
            return None
        return value

    def _update(self, person: Person, row: ParsedRow, appointing: bool) -> tuple[Person, Outcome]:
        changes = {f: row.get(f) for f in PERSON_FIELDS if row.has(f) and getattr(person, f) != row.get(f)}
        id_number = self._id_number_change(person, row.get("id_number"))
        if person.archived_at is not None:
            if changes or id_number or appointing:
                raise RowError("", f"{person.name}已归档；请先在人员页面恢复后再导入修改，或删除此行")
            return person, Outcome(UNCHANGED)
        if not changes and id_number is None:
            return person, Outcome(UNCHANGED)
        person = actions.update_person(person, by=self.user, id_number=id_number, **changes)
        labels = [PEOPLE_LEDGER.column(f).header for f in changes] + (["身份证号"] if id_number else [])
        return person, Outcome(UPDATED, f"{person.name}：修改{'、'.join(labels)}")

    def _create(self, row: ParsedRow, node: Jurisdiction) -> Person:
        id_number = self._id_number_change(None, row.get("id_number"))
        fields = {f: row.get(f) for f in PERSON_FIELDS}
        person = actions.create_person(by=self.user, jurisdiction=node, mobile=row.get("mobile"), id_number=id_number, **fields)
        self.people[(node.pk, person.mobile)].append(person)
        return person

    def _appoint(self, person: Person, kind: PositionKind, post: Jurisdiction) -> bool:
        if (person.pk, kind.pk, post.pk) in self.holdings:
            return False
        try:
            actions.appoint(by=self.user, person=person, kind=kind, jurisdiction=post)
        except ValidationError as exc:
            column = "position_jurisdiction_code" if "jurisdiction" in getattr(exc, "error_dict", {}) else "kind"
            raise RowError(column, "；".join(exc.messages)) from exc
        self.holdings.add((person.pk, kind.pk, post.pk))
        return True
