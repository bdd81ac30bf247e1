"""The roster import page: the shared upload → preview → confirm flow, refused without MANAGE_DUTY."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from demo.constants import TOWNSHIP_A
from duty.models import DutyShift


def _roster(staff: Any) -> SimpleUploadedFile:
    csv = (
        "辖区代码,开始时间,结束时间,值班员手机号,带班领导手机号\n"
        f"{TOWNSHIP_A},2031-08-01 08:30,2031-08-02 08:30,{staff[0].mobile},{staff[1].mobile}\n"
    )
    return SimpleUploadedFile("roster.csv", csv.encode("utf-8-sig"), content_type="text/csv")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_preview_writes_nothing_then_confirm_imports(demo_user: Any, staff: Any) -> None:
    client = _client(demo_user("township_admin"))
    preview = client.post("/duty/import/", {"file": _roster(staff)})
    assert "全部检查通过：将新增 1 个班次" in preview.content.decode()
    assert not DutyShift.objects.filter(starts_at__year=2031).exists()
    done = client.post("/duty/import/confirm/", {"token": preview.context["pending"].token}, HTTP_HX_REQUEST="true")
    assert "导入完成：新增 1 个班次" in done.content.decode()
    assert DutyShift.objects.filter(starts_at__year=2031, jurisdiction__code=TOWNSHIP_A).count() == 1


def test_import_pages_need_manage_duty(demo_user: Any, staff: Any) -> None:
    admin = _client(demo_user("township_admin"))
    token = admin.post("/duty/import/", {"file": _roster(staff)}).context["pending"].token
    grid_worker = _client(demo_user("grid_worker"))
    assert grid_worker.get("/duty/import/").status_code == 403
    assert grid_worker.post("/duty/import/confirm/", {"token": token}).status_code == 403
    assert not DutyShift.objects.filter(starts_at__year=2031).exists()
    assert admin.get("/duty/import/template.xlsx").status_code == 200
