"""The duty roster ledger (值班表台账): Excel export of shifts and import of new shifts.

Natural key: (辖区代码, 开始时间). People are named by mobile (值班员手机号, several
separated by 、 or commas; 带班领导手机号), looked up in the user's scope. A row whose key
already exists updates the phone and note only: changing who stands a shift is a swap or
an override with a reason (the history must show it), never an import.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.roles import Capability
from duty import actions
from duty.actions import Standing
from duty.choices import DutyRole
from duty.models import DutyAssignment, DutyShift
from jurisdictions.models import Jurisdiction
from people.models import Person
from people.protection import mask_mobile
from yingji import actions as base_actions
from yingji.ledgers import CREATED, UNCHANGED, UPDATED, CellError, Column, Ledger, Outcome, ParsedRow, RowError

EXPORT_CHUNK = 500
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
_SPLIT = re.compile(r"[、,，;；\s]+")
_CODE_RE = re.compile(r"^\d{6,20}$")


def parse_time(value: str) -> datetime:
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=timezone.get_current_timezone())
        except ValueError:
            continue
    raise CellError("时间格式应为 年-月-日 时:分，例如 2026-07-01 08:30")


def parse_code(value: str) -> str:
    if not _CODE_RE.match(value):
        raise CellError("辖区代码应为 6～15 位数字（统计用区划代码），例如 330225001")
    return value


def parse_mobiles(value: str) -> list[str]:
    mobiles = [m for m in _SPLIT.split(value) if m]
    for mobile in mobiles:
        if "*" in mobile:
            raise CellError("手机号是脱敏显示的，无法导入；请填写完整的 11 位手机号")
        if not re.fullmatch(r"1\d{10}", mobile):
            raise CellError(f"“{mobile}”不是 11 位手机号；多个值班员用顿号分隔")
    return mobiles


DUTY_LEDGER = Ledger(
    name="值班表",
    columns=(
        Column("jurisdiction_code", "辖区代码", aliases=("区划代码",), parse=parse_code, required=True, text=True, example="330225001", width=14),
        Column("jurisdiction_name", "辖区", width=12, importable=False),
        Column("starts_at", "开始时间", aliases=("上班时间",), parse=parse_time, required=True, text=True, example="2026-07-01 08:30", width=18),
        Column("ends_at", "结束时间", aliases=("下班时间",), parse=parse_time, required=True, text=True, example="2026-07-02 08:30", width=18),
        Column("officer_names", "值班员", width=16, importable=False),
        Column(
            "officer_mobiles", "值班员手机号", parse=parse_mobiles, required=True, text=True, example="13800000001",
            width=26, help="多个值班员用顿号分隔；须是本辖区范围内已登记的人员",
        ),
        Column("leader_name", "带班领导", width=12, importable=False),
        Column("leader_mobile", "带班领导手机号", parse=parse_mobiles, text=True, example="13800000002", width=16),
        Column("duty_phone", "值班电话", max_length=20, text=True, example="0574-65550000", width=16),
        Column("changes", "调班记录", width=30, importable=False, help="导出时附带：被替换的安排和原因"),
        Column("note", "备注", max_length=200, width=20),
    ),
    natural_key=("jurisdiction_code", "starts_at"),
    notes=(
        "同一辖区开始时间相同的班次视为同一班次：已有的只更新值班电话和备注，人员变更请在值班页面换班或替班（须填写原因）。",
        "班次之间不能重叠；结束时间等于下一班开始时间即可衔接。",
    ),
)


def shift_rows(shifts: QuerySet[DutyShift], user: Any) -> Iterator[dict[str, Any]]:
    full_mobile = user.can(Capability.SEE_MOBILE)
    show = (lambda m: m) if full_mobile else mask_mobile
    assignments = DutyAssignment.objects.select_related("person", "replaces__person").order_by("role", "id")
    shifts = shifts.select_related("jurisdiction").defer("jurisdiction__boundary").prefetch_related(
        Prefetch("assignments", queryset=assignments, to_attr="all_assignments")
    )
    for shift in shifts.iterator(chunk_size=EXPORT_CHUNK):
        every: list[DutyAssignment] = shift.all_assignments
        standing = [a for a in every if a.is_standing]
        officers = [a for a in standing if a.role == DutyRole.OFFICER]
        leader = next((a for a in standing if a.role == DutyRole.LEADER), None)
        changes = [
            f"{a.replaces.person.name}→{a.person.name}（{a.get_change_kind_display()}：{a.change_reason}）"
            for a in every
            if a.replaces is not None
        ]
        yield {
            "jurisdiction_code": shift.jurisdiction.code,
            "jurisdiction_name": shift.jurisdiction.name,
            "starts_at": timezone.localtime(shift.starts_at).strftime("%Y-%m-%d %H:%M"),
            "ends_at": timezone.localtime(shift.ends_at).strftime("%Y-%m-%d %H:%M"),
            "officer_names": "、".join(a.person.name for a in officers),
            "officer_mobiles": "、".join(show(a.person.mobile) for a in officers),
            "leader_name": leader.person.name if leader else "",
            "leader_mobile": show(leader.person.mobile) if leader else "",
            "duty_phone": shift.duty_phone,
            "changes": "；".join(changes),
            "note": shift.note,
        }


class DutyImporter:
    """Creates shifts (and updates phone/note of existing ones) from the rows of a duty ledger."""

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.MANAGE_DUTY)
        self.user = user
        self.nodes: dict[str, Jurisdiction] = {}
        self.people: dict[str, list[Person]] = {}
        self.existing: dict[tuple[int, datetime], DutyShift] = {}

    def prepare(self, rows: list[ParsedRow]) -> None:
        codes = {r.get("jurisdiction_code") for r in rows} - {""}
        self.nodes = {n.code: n for n in Jurisdiction.objects.active().filter(code__in=codes).defer("boundary")}
        mobiles = {m for r in rows for key in ("officer_mobiles", "leader_mobile") for m in (r.get(key) or [])}
        for person in Person.objects.active().filter(mobile__in=mobiles).order_by("id"):
            self.people.setdefault(person.mobile, []).append(person)
        starts = {r.get("starts_at") for r in rows if r.get("starts_at")}
        shifts = DutyShift.objects.filter(jurisdiction__in=list(self.nodes.values()), starts_at__in=starts, archived_at__isnull=True)
        self.existing = {(s.jurisdiction_id, s.starts_at): s for s in shifts}

    def _person(self, mobile: str, column: str) -> Person:
        matches = self.people.get(mobile, [])
        if not matches:
            raise RowError(column, f"手机号 {mask_mobile(mobile)} 没有对应的已登记人员（或不在您的辖区范围内）；请先在人员名录登记")
        return matches[0]

    def apply(self, row: ParsedRow) -> Outcome:
        node = self.nodes.get(row.get("jurisdiction_code"))
        if node is None:
            raise RowError("jurisdiction_code", f"辖区代码 {row.get('jurisdiction_code')} 不存在或不在您的辖区范围内")
        starts_at, ends_at = row.get("starts_at"), row.get("ends_at")
        existing = self.existing.get((node.pk, starts_at))
        if existing is not None:
            changes = {f: row.get(f) for f in ("duty_phone", "note") if row.has(f) and getattr(existing, f) != row.get(f)}
            if existing.ends_at != ends_at:
                changes["ends_at"] = ends_at
            if not changes:
                return Outcome(UNCHANGED)
            actions.update_shift(existing, by=self.user, **changes)
            return Outcome(UPDATED, f"{node.name} {timezone.localtime(starts_at):%m-%d %H:%M} 班次")
        officers = [Standing(self._person(m, "officer_mobiles")) for m in row.get("officer_mobiles")]
        leaders = row.get("leader_mobile") or []
        if len(leaders) > 1:
            raise RowError("leader_mobile", "每个班次只能有一名带班领导")
        standing = officers + [Standing(self._person(m, "leader_mobile"), DutyRole.LEADER) for m in leaders]
        try:
            shift = actions.create_shift(
                by=self.user, jurisdiction=node, starts_at=starts_at, ends_at=ends_at, standing=standing,
                duty_phone=row.get("duty_phone") or "", note=row.get("note") or "",
            )
        except ValidationError as exc:
            field = next(iter(getattr(exc, "error_dict", {"starts_at": None})))
            column = {"officers": "officer_mobiles", "leader": "leader_mobile"}.get(field, field if field in ("starts_at", "ends_at") else "")
            raise RowError(column, "；".join(exc.messages)) from exc
        self.existing[(node.pk, shift.starts_at)] = shift
        return Outcome(CREATED, f"{node.name} {timezone.localtime(starts_at):%m-%d %H:%M} 班次")
