"""Doing an inspection through the actions: the rules of each step, and what it leaves behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hazards.models import Hazard
from inspections import actions
from inspections.models import Inspection, ItemPhoto
from inspections.tests.conftest import FAR_LAT, PLACE_LAT, PLACE_LNG, jpeg, png, png_data_url
from places.models import Place

pytestmark = pytest.mark.django_db


def _items(inspection: Inspection) -> list[Any]:
    return list(inspection.checklist.items.order_by("order"))


def test_supervision_of_a_task_from_start_to_result(task: Any, place: Place, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    inspection = actions.begin(task, by=staff)
    task.refresh_from_db()
    assert task.state == "in_progress"
    assert inspection.kind == "supervision" and inspection.checklist.lineage == "t-insp"
    assert list(inspection.inspectors.all()) == [staff]
    # Opening the task again lands on the same draft.
    assert actions.begin(task, by=staff).pk == inspection.pk

    with pytest.raises(ValidationError) as far:
        actions.check_in(inspection, by=staff, lat=FAR_LAT, lng=PLACE_LNG, accuracy=15)
    assert "far_reason" in far.value.message_dict and "300" in far.value.message_dict["far_reason"][0]
    actions.check_in(inspection, by=staff, lat=FAR_LAT, lng=PLACE_LNG, accuracy=15, far_reason="场所登记坐标偏差")
    inspection.refresh_from_db()
    assert inspection.far_from_place and 1050 <= inspection.distance_m <= 1150
    assert inspection.far_reason == "场所登记坐标偏差"

    first, second, third = _items(inspection)
    actions.record_item(inspection, first, by=staff, outcome="ok")
    failed = actions.record_item(inspection, second, by=staff, outcome="failed", note="灭火器过期", photos=[jpeg()])
    assert failed.photos.count() == 1
    hazard = actions.fail_item_as_hazard(
        inspection, failed, by=staff, deadline=timezone.localdate() + timedelta(days=10)
    )
    assert hazard.source == "inspection" and hazard.source_app == "inspections"
    assert hazard.source_ref == str(inspection.pk) and hazard.place_id == place.pk
    assert hazard.state == "assigned"  # staff confirm at once, and a deadline dispatches it
    assert hazard.photos.count() == 1 and "灭火器过期" in hazard.description
    assert actions.fail_item_as_hazard(inspection, failed, by=staff).pk == hazard.pk  # a second tap changes nothing
    with pytest.raises(ValidationError):
        actions.record_item(inspection, second, by=staff, outcome="ok")

    with pytest.raises(ValidationError) as unanswered:
        actions.finish(inspection, by=staff)
    assert "电气线路" in str(unanswered.value)
    actions.record_item(inspection, third, by=staff, outcome="not_applicable")
    with pytest.raises(ValidationError) as unsigned:
        actions.finish(inspection, by=staff)
    assert "signature" in unsigned.value.message_dict
    actions.sign(inspection, by=staff, representative="周管理", signature_png=png_data_url())
    done = actions.finish(inspection, by=staff, summary="责令限期整改")
    assert done.state == "submitted" and done.result == "failed" and done.finished_at is not None
    task.refresh_from_db()
    assert task.state == "done" and task.inspection_id == done.pk and task.passed is False
    place.refresh_from_db()
    assert place.last_supervision_on == timezone.localdate()
    with pytest.raises(ValidationError):
        actions.record_item(done, first, by=staff, outcome="failed", note="改")


def test_patrol_by_a_grid_worker_leaves_the_hazard_reported_and_no_risk_record(place: Place, demo_user: Any) -> None:
    worker = demo_user("grid_worker")
    inspection = actions.begin(place, by=worker, kind="patrol")
    actions.check_in(inspection, by=worker, lat=PLACE_LAT, lng=PLACE_LNG, accuracy=8)
    inspection.refresh_from_db()
    assert not inspection.far_from_place and inspection.distance_m == 0
    first, second, third = _items(inspection)
    result = actions.record_item(inspection, first, by=worker, outcome="failed", note="通道堆放杂物")
    hazard = actions.fail_item_as_hazard(inspection, result, by=worker)
    assert hazard.source == "patrol" and hazard.state == "reported"
    for item in (second, third):
        actions.record_item(inspection, item, by=worker, outcome="ok")
    actions.finish(inspection, by=worker)  # no signature needed for a patrol
    place.refresh_from_db()
    assert place.last_supervision_on is None  # a patrol is a round, not a counted inspection
    assert Hazard.unscoped.filter(source_app="inspections", source_ref=str(inspection.pk)).count() == 1


def test_enterprise_user_self_inspects_their_own_place_only(own_place: Place, place: Place, demo_user: Any) -> None:
    owner = demo_user("enterprise_user")
    inspection = actions.begin(own_place, by=owner)
    assert inspection.kind == "self_inspection"
    # Far away is recorded but needs no reason on a self-inspection.
    actions.check_in(inspection, by=owner, lat=FAR_LAT, lng=PLACE_LNG)
    inspection.refresh_from_db()
    assert inspection.far_from_place and inspection.far_reason == ""
    items = _items(inspection)
    result = actions.record_item(inspection, items[0], by=owner, outcome="failed", note="插线板串接")
    hazard = actions.fail_item_as_hazard(inspection, result, by=owner)
    assert hazard.source == "self_inspection" and hazard.state == "reported"
    for item in items[1:]:
        actions.record_item(inspection, item, by=owner, outcome="ok")
    assert actions.finish(inspection, by=owner).result == "failed"
    own_place.refresh_from_db()
    assert own_place.last_self_inspection_on == timezone.localdate()
    with pytest.raises(PermissionDenied):
        actions.begin(place, by=owner, kind="self_inspection")
    with pytest.raises(PermissionDenied):
        actions.begin(own_place, by=owner, kind="supervision")


def test_passing_inspection_is_passed(place: Place, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    inspection = actions.begin(place, by=staff, kind="self_inspection")
    for item in _items(inspection):
        actions.record_item(inspection, item, by=staff, outcome="ok")
    assert actions.finish(inspection, by=staff).result == "passed"


def test_only_its_inspectors_fill_in_a_draft(place: Place, demo_user: Any) -> None:
    inspection = actions.begin(place, by=demo_user("township_staff"), kind="patrol")
    with pytest.raises(PermissionDenied):
        actions.record_item(inspection, _items(inspection)[0], by=demo_user("grid_worker"), outcome="ok")
    with pytest.raises(PermissionDenied):
        actions.begin(place, by=demo_user("leader"), kind="patrol")


def test_task_of_someone_else_cannot_be_opened(task: Any, demo_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.begin(task, by=demo_user("grid_worker"))


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg"), "JPG"),
        (SimpleUploadedFile("x.jpg", b"", content_type="image/jpeg"), "空"),
    ],
)
def test_photos_must_be_real_images(place: Place, demo_user: Any, upload: Any, message: str) -> None:
    staff = demo_user("township_staff")
    inspection = actions.begin(place, by=staff, kind="patrol")
    with pytest.raises(ValidationError) as refused:
        actions.record_item(inspection, _items(inspection)[0], by=staff, outcome="failed", note="x", photos=[upload])
    assert message in str(refused.value)
    assert not ItemPhoto.objects.exists() or not ItemPhoto.objects.filter(result__inspection=inspection).exists()


def test_photo_over_10_mb_is_refused(place: Place, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    inspection = actions.begin(place, by=staff, kind="patrol")
    big = jpeg(10 * 1024 * 1024 + 1)
    with pytest.raises(ValidationError) as refused:
        actions.record_item(inspection, _items(inspection)[0], by=staff, outcome="failed", note="x", photos=[big])
    assert "10 MB" in str(refused.value)


@pytest.mark.parametrize(
    "signature",
    [
        "data:image/jpeg;base64,/9j/4AAQ",
        "data:image/png;base64,bm90IGEgcG5n",
        "data:image/png;base64,@@@",
        png_data_url(blank=True),
        png()[:-6],  # truncated: no IEND
        png()[:19] + b"\x05" + png()[20:],  # width changed: the CRC no longer matches
    ],
)
def test_signature_must_be_a_real_non_blank_png(place: Place, demo_user: Any, signature: Any) -> None:
    staff = demo_user("township_staff")
    inspection = actions.begin(place, by=staff, kind="supervision")
    with pytest.raises(ValidationError) as refused:
        actions.sign(inspection, by=staff, representative="周管理", signature_png=signature)
    assert "signature" in refused.value.message_dict
    inspection.refresh_from_db()
    assert not inspection.signature


def test_check_in_refuses_impossible_coordinates(place: Place, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    inspection = actions.begin(place, by=staff, kind="patrol")
    with pytest.raises(ValidationError):
        actions.check_in(inspection, by=staff, lat=95, lng=PLACE_LNG)
    with pytest.raises(ValidationError) as no_check_in:
        for item in _items(inspection):
            actions.record_item(inspection, item, by=staff, outcome="ok")
        actions.finish(inspection, by=staff)
    assert "check_in" in no_check_in.value.message_dict


def test_failed_item_needs_a_note_and_only_failed_items_become_hazards(place: Place, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    inspection = actions.begin(place, by=staff, kind="patrol")
    item = _items(inspection)[0]
    with pytest.raises(ValidationError):
        actions.record_item(inspection, item, by=staff, outcome="failed")
    ok = actions.record_item(inspection, item, by=staff, outcome="ok")
    with pytest.raises(ValidationError):
        actions.fail_item_as_hazard(inspection, ok, by=staff)
    with pytest.raises(ValidationError):
        actions.record_item(inspection, item, by=staff, outcome="maybe")


def test_item_of_another_checklist_is_refused(place: Place, demo_user: Any) -> None:
    from checklists.models import Checklist, ChecklistItem

    staff = demo_user("township_staff")
    inspection = actions.begin(place, by=staff, kind="patrol")
    other = Checklist.unscoped.create(name="别的清单", lineage="t-other", effective_from=timezone.localdate())
    stranger = ChecklistItem.objects.create(checklist=other, order=1, matter="别的", content="别的内容")
    with pytest.raises(ValidationError):
        actions.record_item(inspection, stranger, by=staff, outcome="ok")



def test_a_phone_without_a_location_fix_checks_in_with_a_reason_instead(task: Any, demo_user: Any) -> None:
    """Plain-HTTP pages and indoor phones get no fix; the check-in records why, not a distance."""
    staff = demo_user("township_staff")
    inspection = actions.begin(task, by=staff)
    with pytest.raises(ValidationError) as refused:
        actions.check_in(inspection, by=staff, lat=None, lng=None)
    assert "far_reason" in refused.value.message_dict
    inspection.refresh_from_db()
    assert inspection.checked_in_at is None

    actions.check_in(inspection, by=staff, lat=None, lng=None, far_reason="地下室无信号")
    inspection.refresh_from_db()
    assert inspection.checked_in_at is not None
    assert inspection.check_in_lat is None and inspection.distance_m is None
    assert inspection.far_reason == "地下室无信号" and not inspection.far_from_place
