"""Fixtures of the inspection tests: a place kind of our own with its checklist, places, a task."""

from __future__ import annotations

import base64
import struct
import zlib
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from checklists.models import Checklist, ChecklistItem, ChecklistStatus
from demo.constants import GRID_A, TOWNSHIP_B
from jurisdictions.models import Jurisdiction
from places.choices import PlaceCategory
from places.models import Place, PlaceAccount, PlaceKind

# A point in 丹东街道 and one about 1.1 km north of it.
PLACE_LNG, PLACE_LAT = 121.872, 29.476
FAR_LAT = PLACE_LAT + 0.01


def png(width: int = 4, height: int = 3, *, blank: bool = False) -> bytes:
    """A real RGBA PNG as a canvas exports it (blank = fully transparent)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    pixel = b"\x00\x00\x00\x00" if blank else b"\x10\x20\x30\xff"
    raw = b"".join(b"\x00" + pixel * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def png_data_url(**kwargs: Any) -> str:
    return "data:image/png;base64," + base64.b64encode(png(**kwargs)).decode()


def jpeg(size: int = 64) -> SimpleUploadedFile:
    body = b"\xff\xd8\xff\xe0" + b"\x00" * max(size - 6, 0) + b"\xff\xd9"
    return SimpleUploadedFile("photo.jpg", body, content_type="image/jpeg")


@pytest.fixture
def kind(db: Any) -> PlaceKind:
    return PlaceKind.objects.create(code="t_insp_shop", name="测试检查商店", category=PlaceCategory.SMALL_PLACE)


@pytest.fixture
def checklist(kind: PlaceKind) -> Checklist:
    """An active three-item list for the test kind (the most specific match for our places)."""
    checklist = Checklist.unscoped.create(
        name="测试小场所消防检查表",
        lineage="t-insp",
        place_kinds=[kind.code],
        version=1,
        effective_from=timezone.localdate() - timedelta(days=1),
        status=ChecklistStatus.ACTIVE,
    )
    for order, (matter, content) in enumerate(
        [("疏散通道", "疏散通道、安全出口畅通"), ("灭火器", "配置灭火器并在有效期内"), ("电气线路", "无私拉乱接电线")],
        start=1,
    ):
        ChecklistItem.objects.create(checklist=checklist, order=order, matter=matter, content=content)
    return checklist


@pytest.fixture
def place(kind: PlaceKind, checklist: Checklist) -> Place:
    grid = Jurisdiction.unscoped.get(code=GRID_A)
    return Place.unscoped.create(
        name="测试检查饭店",
        kind=kind,
        address="丹东街道测试路1号",
        jurisdiction=grid,
        lng=PLACE_LNG,
        lat=PLACE_LAT,
        fire_manager_name="周管理",
    )


@pytest.fixture
def own_place(kind: PlaceKind, checklist: Checklist, demo_user: Any) -> Place:
    """A place linked to the demo enterprise user."""
    grid = Jurisdiction.unscoped.get(code=GRID_A)
    made = Place.unscoped.create(
        name="测试企业自有车间", kind=kind, address="丹东街道测试路2号", jurisdiction=grid, lng=PLACE_LNG, lat=PLACE_LAT
    )
    PlaceAccount.objects.create(place=made, user=demo_user("enterprise_user"))
    return made


@pytest.fixture
def place_b(kind: PlaceKind, checklist: Checklist) -> Place:
    node = Jurisdiction.unscoped.filter(
        path__startswith=Jurisdiction.unscoped.get(code=TOWNSHIP_B).path, level="grid"
    ).first()
    return Place.unscoped.create(
        name="石浦测试店", kind=kind, address="石浦镇测试路", jurisdiction=node, lng=121.95, lat=29.2
    )


@pytest.fixture
def task(place: Place, demo_user: Any) -> Any:
    from inspectionplans.actions import create_task

    staff = demo_user("township_staff")
    return create_task(by=staff, place=place, due_on=timezone.localdate() + timedelta(days=7), inspectors=[staff])
