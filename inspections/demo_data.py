"""Demo step: a few inspections carried out — three planned tasks, one grid patrol, one self-inspection.

Some fail an item and turn it into a hazard, so the hazard ledger shows hazards whose
source is an inspection and the inspection record links to them. Every step goes through
the inspection actions, as an inspector on a phone would.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from demo.constants import TOWNSHIP_A
from demo.context import DemoContext
from demo.registry import demo_step
from inspectionplans.choices import TaskState
from inspectionplans.models import InspectionTask
from inspections import actions
from inspections.choices import InspectionKind, ItemOutcome
from inspections.models import Inspection
from places.models import Place, PlaceAccount

TASKS_DONE = 3
FAILURE_NOTES = ("灭火器压力不足，需更换", "安全出口被货物堵塞", "电动自行车在楼道内充电", "插线板串接使用")


def signature_png(seed: int) -> bytes:
    """A small transparent PNG with a wavy stroke, standing in for a hand-written signature."""
    width, height = 160, 48
    rows = []
    for y in range(height):
        row = bytearray(width * 4)
        for x in range(20, width - 20):
            wave = 24 + int(12 * ((x * (3 + seed % 3)) % 37 - 18) / 18)
            if abs(y - wave) <= 1:
                row[x * 4 : x * 4 + 4] = b"\x20\x20\x20\xff"
        rows.append(b"\x00" + bytes(row))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def _walk(inspection: Inspection, by: Any, rng: Any, *, fail: bool, sign: bool, index: int) -> Inspection:
    place = inspection.place
    if place.has_location:
        jitter = rng.uniform(-0.0004, 0.0004)
        actions.check_in(inspection, by=by, lat=place.lat + jitter, lng=place.lng - jitter, accuracy=rng.randint(5, 30))
    items = list(inspection.checklist.items.order_by("order", "id"))
    failed_at = rng.randrange(len(items)) if fail else -1
    for position, item in enumerate(items):
        if position == failed_at:
            result = actions.record_item(
                inspection, item, by=by, outcome=ItemOutcome.FAILED, note=FAILURE_NOTES[index % len(FAILURE_NOTES)]
            )
            actions.fail_item_as_hazard(inspection, result, by=by)
        else:
            outcome = ItemOutcome.NOT_APPLICABLE if rng.random() < 0.1 else ItemOutcome.OK
            actions.record_item(inspection, item, by=by, outcome=outcome)
    if sign:
        representative = place.fire_manager_name or place.legal_rep_name or "现场负责人"
        actions.sign(inspection, by=by, representative=representative, signature_png=signature_png(index))
    summary = "发现问题已现场告知，责令限期整改。" if fail else "检查未发现问题。"
    return actions.finish(inspection, by=by, summary=summary)


@demo_step(order=820, label="检查记录")
def seed_inspections(ctx: DemoContext) -> str:
    rng = ctx.rng("inspections")
    township = ctx.node(TOWNSHIP_A)
    done = hazards = 0
    tasks = (
        InspectionTask.unscoped.filter(
            jurisdiction_path__startswith=township.path, state=TaskState.PENDING, lead_inspector__isnull=False
        )
        .select_related("place", "lead_inspector")
        .order_by("due_on", "id")
    )
    for index, task in enumerate(tasks[: TASKS_DONE + 2]):
        if done >= TASKS_DONE:
            break
        fail = index % 2 == 0
        try:
            with transaction.atomic():
                inspection = actions.begin(task, by=task.lead_inspector)
                _walk(inspection, task.lead_inspector, rng, fail=fail, sign=True, index=index)
        except ValidationError:
            continue  # e.g. no checklist for this kind of place in a small seed
        done += 1
        hazards += fail

    worker = User.unscoped.filter(username="grid_worker").first()
    patrol_place = (
        Place.unscoped.filter(jurisdiction_path__startswith=worker.jurisdiction.path, archived_at__isnull=True)
        .order_by("id")
        .first()
        if worker is not None and worker.jurisdiction is not None
        else None
    )
    patrols = 0
    if worker is not None and patrol_place is not None:
        try:
            with transaction.atomic():
                inspection = actions.begin(patrol_place, by=worker, kind=InspectionKind.PATROL)
                _walk(inspection, worker, rng, fail=True, sign=False, index=done + 1)
            patrols, hazards = 1, hazards + 1
        except ValidationError:
            pass

    selfs = 0
    link = PlaceAccount.objects.select_related("place", "user").filter(user__username="enterprise_user").first()
    if link is not None:
        try:
            with transaction.atomic():
                inspection = actions.begin(link.place, by=link.user, kind=InspectionKind.SELF_INSPECTION)
                _walk(inspection, link.user, rng, fail=False, sign=False, index=done + 2)
            selfs = 1
        except ValidationError:
            pass
    return f"{done} 次任务检查、{patrols} 次网格巡查、{selfs} 次单位自查，{hazards} 条隐患"
