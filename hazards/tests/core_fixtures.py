"""Fixtures of the hazard-loop tests: the demo enterprise's place, a hazard factory, a driver to any state.

Imported by the test modules of the loop (`from hazards.tests.core_fixtures import *`), so
other hazards test modules keep their own conftest freedom.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from demo.constants import TOWNSHIP_B

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def png(name: str = "photo.png", size: int = 0) -> SimpleUploadedFile:
    body = PNG + b"\x00" * max(0, size - len(PNG))
    return SimpleUploadedFile(name, body, content_type="image/png")


def not_image(name: str = "notes.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 not a photo", content_type="image/png")


def png_file(name: str = "photo.png") -> io.BytesIO:
    handle = io.BytesIO(PNG)
    handle.name = name
    return handle


@pytest.fixture(autouse=True)
def chinese() -> Any:
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def users(demo_user: Any) -> dict[str, Any]:
    names = [
        "county_admin",
        "township_admin",
        "township_staff",
        "village_cadre",
        "grid_worker",
        "enterprise_user",
        "leader",
        "auditor",
    ]
    return {name: demo_user(name) for name in names}


@pytest.fixture
def place(db: Any) -> Any:
    """The demo enterprise's place in GRID_A (linked to `enterprise_user`), with a fire-safety manager."""
    from places.models import Place

    company = Place.unscoped.get(account_links__user__username="enterprise_user")
    company.fire_manager_name = "王管理"
    company.fire_manager_mobile = "13912340001"
    company.save(update_fields=["fire_manager_name", "fire_manager_mobile"])
    return company


@pytest.fixture
def other_place(db: Any) -> Any:
    """A place of township B (石浦镇), outside every township-A account's scope."""
    from places.models import Place

    return (
        Place.unscoped.filter(jurisdiction_path__contains=f"/{TOWNSHIP_B}/", archived_at__isnull=True)
        .order_by("id")
        .first()
    )


@pytest.fixture
def make_hazard(users: dict[str, Any], place: Any) -> Any:
    from hazards import actions

    def make(*, by: Any = None, on: Any = None, **fields: Any) -> Any:
        values = {
            "category": "unsafe_condition",
            "hazard_type": "fire",
            "description": "疏散通道堆放杂物",
            "source": "patrol",
            **fields,
        }
        return actions.report_hazard(by=by or users["grid_worker"], place=on or place, **values)

    return make


@pytest.fixture
def drive(users: dict[str, Any]) -> Any:
    """Move a hazard through the loop with the actions to `target` (assigned to the enterprise user)."""
    from hazards import actions

    steps = ["confirmed", "assigned", "rectifying", "submitted", "verified", "closed"]

    def run(h: Any, target: str) -> Any:
        if target == "reported":
            return h
        if target == "rejected":
            return actions.reject(h, by=users["township_staff"], reason="误报")
        h.refresh_from_db()
        done = steps.index(h.state) + 1 if h.state in steps else 0
        for state in steps[done:]:
            if state == "confirmed":
                h = actions.confirm(h, by=users["township_staff"])
            elif state == "assigned":
                h = actions.assign(
                    h,
                    by=users["township_staff"],
                    assignee=users["enterprise_user"],
                    deadline=timezone.localdate() + timedelta(days=10),
                )
            elif state == "rectifying":
                h = actions.start(h, by=users["enterprise_user"])
            elif state == "submitted":
                h = actions.submit(h, by=users["enterprise_user"], note="已清理通道")
            elif state == "verified":
                h = actions.verify_pass(h, by=users["township_staff"])
            elif state == "closed":
                closer = users["county_admin"] if h.severity == "major" else users["township_admin"]
                h = actions.close(h, by=closer)
            if state == target:
                return h
        raise AssertionError(target)

    return run
