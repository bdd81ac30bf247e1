"""Doing an inspection: begin, check in, answer items, turn a failure into a hazard, sign, finish.

Every step is one action that checks who may act, locks the inspection, validates with a
message that says what to fix, and saves. Once finished (submitted) an inspection is a
record and no action changes it. Side effects on other apps (the task, the place's risk
record, the hazard loop) go through those apps' own actions inside the same transaction,
so a refusal anywhere leaves nothing half done.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability, Role, has_capability
from checklists.models import Checklist, ChecklistItem
from checklists.services import checklist_for
from inspectionplans.models import InspectionTask
from inspections.choices import HAZARD_SOURCE, InspectionKind, InspectionResult, InspectionState, ItemOutcome
from inspections.models import Inspection, ItemPhoto, ItemResult
from places.actions import sniff_image
from places.coords import distance_m
from places.models import Place, PlaceAccount
from yingji.actions import locked, require

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTOS_PER_ITEM = 9
SIGNATURE_MAX_BYTES = 1024 * 1024
SIGNATURE_MAX_SIDE = 4000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def far_threshold_m() -> int:
    """Beyond this distance a check-in is flagged and needs a reason (settings: INSPECTION_FAR_METRES)."""
    return int(getattr(settings, "INSPECTION_FAR_METRES", 300))


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def is_enterprise(user: Any) -> bool:
    return getattr(user, "role", "") == Role.ENTERPRISE_USER and not getattr(user, "is_superuser", False)


def linked_to(user: Any, place: Place) -> bool:
    return PlaceAccount.objects.filter(user_id=user.pk, place_id=place.pk).exists()


def allowed_kinds(user: Any) -> list[str]:
    """The kinds of inspection this user may start: enterprise users only inspect themselves."""
    if not has_capability(user, Capability.INSPECT):
        return []
    if is_enterprise(user):
        return [InspectionKind.SELF_INSPECTION]
    return [InspectionKind.SUPERVISION, InspectionKind.PATROL, InspectionKind.SELF_INSPECTION]


def _check_may_start(by: Any, place: Place, kind: str) -> None:
    require(by, Capability.INSPECT)
    if kind not in InspectionKind.values:
        raise ValidationError(
            {"kind": _("检查类型应为 supervision（监督检查）、patrol（网格巡查）或 self_inspection（单位自查）")}
        )
    if is_enterprise(by):
        if kind != InspectionKind.SELF_INSPECTION:
            raise PermissionDenied(_("企业用户只能开展本单位自查"))
        if not linked_to(by, place):
            raise PermissionDenied(_("只能对本单位关联的场所开展自查"))
    if place.archived_at is not None:
        raise ValidationError({"place": _("该场所已归档，不能开始检查")})


def may_work_on(inspection: Inspection, user: Any) -> bool:
    """Who fills in a draft: its inspectors (an enterprise user only on their own place)."""
    if not has_capability(user, Capability.INSPECT):
        return False
    if is_enterprise(user) and not linked_to(user, inspection.place):
        return False
    return inspection.inspectors.filter(pk=getattr(user, "pk", None)).exists()


def _editable(inspection: Inspection, by: Any) -> Inspection:
    """Lock the draft and check that `by` is one of its inspectors."""
    require(by, Capability.INSPECT)
    inspection = locked(inspection)
    if not may_work_on(inspection, by):
        raise PermissionDenied(_("只有本次检查的检查人员可以填写"))
    if inspection.state != InspectionState.DRAFT:
        raise ValidationError(_("检查已完成提交，不能再修改"))
    return inspection


# --- begin -----------------------------------------------------------------------------------


@transaction.atomic
def begin(target: Place | InspectionTask, *, by: Any, kind: str | None = None) -> Inspection:
    """Start an inspection of a place, or of a planned task ("open the task").

    The checklist version in force today is frozen on the record. Opening a task that
    already has a draft returns that draft, so a second tap does not start a second one.
    """
    task: InspectionTask | None = None
    if isinstance(target, InspectionTask):
        task = locked(target)
        place = task.place
        kind = kind or InspectionKind.SUPERVISION
        if kind == InspectionKind.SELF_INSPECTION:
            raise ValidationError({"kind": _("检查任务不能按单位自查开展")})
    else:
        place = target
        if not kind:
            kind = InspectionKind.SELF_INSPECTION if is_enterprise(by) else InspectionKind.PATROL
    _check_may_start(by, place, kind)
    if task is not None:
        from inspectionplans.actions import start_task

        task = start_task(task, by=by)  # refuses anyone not on the task's team (or a planner)
        draft = Inspection.objects.filter(task=task, state=InspectionState.DRAFT, archived_at__isnull=True).first()
        if draft is not None:
            draft.inspectors.add(by)
            return draft
    checklist: Checklist | None = None
    if task is not None and task.checklist_id:
        checklist = task.checklist
    checklist = checklist or checklist_for(place)
    if checklist is None:
        raise ValidationError({"checklist": _("该场所没有适用的检查清单，请先由管理员发布检查清单")})
    if not checklist.items.exists():
        raise ValidationError({"checklist": _("适用的检查清单没有检查项，请先补充检查项")})
    inspection = Inspection(
        place=place,
        jurisdiction_id=place.jurisdiction_id,
        task=task,
        kind=kind,
        started_by=_user(by),
        checklist=checklist,
        started_at=timezone.now(),
        unannounced=task.unannounced if task else False,
        joint=task.joint if task else False,
    )
    inspection.save()
    members = [by]
    if task is not None:
        members += list(task.inspectors.all())
    inspection.inspectors.add(*[m for m in members if getattr(m, "pk", None)])
    return inspection


# --- check-in --------------------------------------------------------------------------------


@transaction.atomic
def check_in(
    inspection: Inspection,
    *,
    by: Any,
    lat: float | None,
    lng: float | None,
    accuracy: float | None = None,
    far_reason: str = "",
) -> Inspection:
    """Record where the inspector is (WGS-84 from the phone) and how far that is from the place.

    Far away is warned, not refused: the inspector says why (the place's registered point
    may be wrong, the entrance may be round the block) and the record keeps the reason.
    Self-inspections record the distance but need no reason. A phone that cannot get a fix
    (no signal indoors, or a page served over plain HTTP, where browsers refuse location)
    checks in without coordinates, with the reason recorded instead of a distance.
    """
    inspection = _editable(inspection, by)
    if lat is None and lng is None:
        return _check_in_without_fix(inspection, reason=(far_reason or "").strip()[:200])
    errors: dict[str, str] = {}
    if lat is None or lng is None:
        raise ValidationError({"lat": _("定位坐标不完整，请重新定位")})
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ValidationError({"lat": _("定位坐标无效，请重新定位")}) from None
    if not (-90 <= lat <= 90):
        errors["lat"] = _("纬度应在 -90 到 90 之间")
    if not (-180 <= lng <= 180):
        errors["lng"] = _("经度应在 -180 到 180 之间")
    if accuracy is not None and (accuracy < 0 or accuracy > 100_000):
        errors["accuracy"] = _("定位精度应为 0 到 100000 米")
    if errors:
        raise ValidationError(errors)
    place = inspection.place
    distance: int | None = None
    if place.has_location:
        distance = round(distance_m((lng, lat), (place.lng, place.lat)))  # type: ignore[arg-type]
    far = distance is not None and distance > far_threshold_m()
    far_reason = (far_reason or "").strip()[:200]
    if far and not far_reason and inspection.kind != InspectionKind.SELF_INSPECTION:
        raise ValidationError(
            {
                "far_reason": _("签到位置距场所约 %(d)d 米，超过 %(max)d 米；请说明原因后再签到")
                % {"d": distance, "max": far_threshold_m()}
            }
        )
    inspection.checked_in_at = timezone.now()
    inspection.check_in_lat = round(lat, 7)
    inspection.check_in_lng = round(lng, 7)
    inspection.check_in_accuracy = round(accuracy, 1) if accuracy is not None else None
    inspection.distance_m = distance
    inspection.far_from_place = far
    inspection.far_reason = far_reason if far else ""
    inspection.save(
        update_fields=[
            "checked_in_at",
            "check_in_lat",
            "check_in_lng",
            "check_in_accuracy",
            "distance_m",
            "far_from_place",
            "far_reason",
            "updated_at",
        ]
    )
    return inspection


def _check_in_without_fix(inspection: Inspection, *, reason: str) -> Inspection:
    if not reason:
        raise ValidationError({"far_reason": _("未取得定位：请说明原因（如室内无信号、浏览器不允许定位）后签到")})
    inspection.checked_in_at = timezone.now()
    inspection.check_in_lat = None
    inspection.check_in_lng = None
    inspection.check_in_accuracy = None
    inspection.distance_m = None
    inspection.far_from_place = False
    inspection.far_reason = reason
    inspection.save(
        update_fields=[
            "checked_in_at",
            "check_in_lat",
            "check_in_lng",
            "check_in_accuracy",
            "distance_m",
            "far_from_place",
            "far_reason",
            "updated_at",
        ]
    )
    return inspection


# --- items -----------------------------------------------------------------------------------


def check_photo(upload: UploadedFile) -> str:
    """The photo's real type (from its first bytes), or a ValidationError saying what is wrong."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"photos": _("照片文件是空的，请重新拍摄")})
    if size > PHOTO_MAX_BYTES:
        raise ValidationError(
            {"photos": _("照片过大（%(mb).1f MB），单张不超过 10 MB；请压缩后上传") % {"mb": size / 1048576}}
        )
    upload.seek(0)
    content_type = sniff_image(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise ValidationError({"photos": _("只能上传 JPG、PNG 或 WebP 格式的照片")})
    return content_type


def _item_of(inspection: Inspection, item: ChecklistItem | int) -> ChecklistItem:
    item_id = item.pk if isinstance(item, ChecklistItem) else int(item)
    found = ChecklistItem.objects.filter(pk=item_id, checklist_id=inspection.checklist_id).first()
    if found is None:
        raise ValidationError({"item": _("该检查项不属于本次检查使用的检查清单")})
    return found


@transaction.atomic
def record_item(
    inspection: Inspection,
    item: ChecklistItem | int,
    *,
    by: Any,
    outcome: str,
    note: str = "",
    photos: Iterable[UploadedFile] = (),
) -> ItemResult:
    """Answer one item (again, if it changes); photos are added to those already taken."""
    inspection = _editable(inspection, by)
    checklist_item = _item_of(inspection, item)
    if outcome not in ItemOutcome.values:
        raise ValidationError({"outcome": _("结论应为 ok（合格）、failed（不合格）或 not_applicable（不适用）")})
    note = (note or "").strip()
    if len(note) > 1000:
        raise ValidationError({"note": _("情况说明不超过 1000 字")})
    uploads = list(photos)
    types = [check_photo(upload) for upload in uploads]
    result = ItemResult.objects.select_for_update().filter(inspection=inspection, item=checklist_item).first()
    if outcome == ItemOutcome.FAILED and not note:
        raise ValidationError({"note": _("不合格的检查项请说明存在的问题")})
    if result is not None and result.hazard_id and outcome != ItemOutcome.FAILED:
        raise ValidationError({"outcome": _("该项已生成隐患，不能再改为合格或不适用；请在隐患中处理")})
    existing = result.photos.count() if result is not None else 0
    if existing + len(uploads) > PHOTOS_PER_ITEM:
        raise ValidationError({"photos": _("每个检查项最多 %(n)d 张照片") % {"n": PHOTOS_PER_ITEM}})
    if checklist_item.requires_photo and outcome == ItemOutcome.FAILED and existing + len(uploads) == 0:
        raise ValidationError({"photos": _("该检查项不合格时须拍照留存")})
    if result is None:
        result = ItemResult(inspection=inspection, item=checklist_item)
    result.outcome = outcome
    result.note = note
    result.answered_by = _user(by)
    result.save()
    for upload, content_type in zip(uploads, types, strict=True):
        photo = ItemPhoto(result=result, content_type=content_type, size=upload.size or 0, uploaded_by=_user(by))
        upload.name = "photo"
        photo.image = upload
        photo.save()
    return result


def _photo_files(result: ItemResult) -> list[UploadedFile]:
    """The item's stored photos as uploads, so the hazard gets its own copies."""
    files: list[UploadedFile] = []
    for photo in result.photos.all():
        with photo.image.open("rb") as handle:
            data = handle.read()
        suffix = {"image/png": "png", "image/webp": "webp"}.get(photo.content_type, "jpg")
        files.append(SimpleUploadedFile(f"photo.{suffix}", data, content_type=photo.content_type))
    return files


@transaction.atomic
def fail_item_as_hazard(
    inspection: Inspection,
    item_result: ItemResult,
    *,
    by: Any,
    description: str | None = None,
    severity: str = "general",
    deadline: date | None = None,
    category: str | None = None,
    hazard_type: str | None = None,
    interim_measures: str = "",
) -> Any:
    """Turn a failed item into a hazard in one step (source: this inspection, photos: the item's).

    A staff inspector (MANAGE_HAZARDS) confirms it at once, and with a deadline also
    dispatches it to the place; others leave it reported for the township to confirm.
    Asking twice returns the hazard already made.
    """
    from hazards import actions as hazard_actions

    inspection = _editable(inspection, by)
    require(by, Capability.REPORT_HAZARD)
    result = ItemResult.objects.select_for_update().select_related("item").filter(pk=item_result.pk).first()
    if result is None or result.inspection_id != inspection.pk:
        raise ValidationError({"item": _("该检查项结果不属于本次检查")})
    if result.hazard_id:
        return result.hazard
    if result.outcome != ItemOutcome.FAILED:
        raise ValidationError({"outcome": _("只有不合格的检查项可以生成隐患")})
    item = result.item
    text = (description or "").strip() or f"{item.matter}：{result.note}（检查内容：{item.content}）"
    hazard = hazard_actions.report_hazard(
        by=by,
        place=inspection.place,
        category=category or item.category,
        hazard_type=hazard_type or item.hazard_type,
        description=text[:2000],
        source=HAZARD_SOURCE[InspectionKind(inspection.kind)],
        severity=severity,
        photos=_photo_files(result),
        interim_measures=interim_measures,
        source_app="inspections",
        source_ref=str(inspection.pk),
        reporter_label=getattr(by, "display_name", "")[:60] if by is not None else "",
    )
    if has_capability(by, Capability.MANAGE_HAZARDS):
        hazard = hazard_actions.confirm(hazard, by=by, note=_("检查中发现，现场确认"))
        if deadline is not None:
            hazard = hazard_actions.assign(hazard, by=by, deadline=deadline, note=_("检查中责令限期整改"))
    result.hazard = hazard
    result.save(update_fields=["hazard", "updated_at"])
    return hazard


# --- signature and finish ---------------------------------------------------------------------


def decode_signature(value: bytes | str) -> bytes:
    """The PNG bytes of a canvas signature (a data URL or raw bytes), checked as a real, non-blank PNG."""
    if isinstance(value, str):
        text = value.strip()
        prefix = "data:image/png;base64,"
        if not text.startswith(prefix):
            raise ValidationError({"signature": _("签名应为 PNG 图片（画布导出的 data:image/png;base64 格式）")})
        try:
            data = base64.b64decode(text[len(prefix) :], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError({"signature": _("签名数据无法解码，请重新签名")}) from None
    else:
        data = bytes(value)
    if len(data) > SIGNATURE_MAX_BYTES:
        raise ValidationError({"signature": _("签名图片过大（超过 1 MB）")})
    check_png(data)
    return data


def check_png(data: bytes) -> None:
    """Walk the PNG's chunks (CRCs included) and refuse anything that is not a whole, non-blank image."""
    bad = ValidationError({"signature": _("签名不是有效的 PNG 图片，请重新签名")})
    if not data.startswith(PNG_MAGIC):
        raise bad
    pos, chunks, idat = len(PNG_MAGIC), [], bytearray()
    header: tuple[int, int, int, int] | None = None
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise bad
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise bad
        if kind == b"IHDR":
            if length != 13:
                raise bad
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            header = (width, height, depth, colour)
        elif kind == b"IDAT":
            idat += body
        chunks.append(kind)
        pos += 12 + length
        if kind == b"IEND":
            break
    if not chunks or chunks[0] != b"IHDR" or chunks[-1] != b"IEND" or header is None or not idat:
        raise bad
    width, height, depth, colour = header
    if not (0 < width <= SIGNATURE_MAX_SIDE and 0 < height <= SIGNATURE_MAX_SIDE):
        raise ValidationError({"signature": _("签名图片尺寸不合理")})
    if depth == 8 and colour == 6:  # RGBA, what a canvas exports: a blank canvas is all zeros
        stride = width * 4 + 1
        try:
            raw = zlib.decompressobj().decompress(bytes(idat), stride * height + 1)
        except zlib.error:
            raise bad from None
        if not any(raw[row * stride + 1 : (row + 1) * stride].strip(b"\0") for row in range(height)):
            raise ValidationError({"signature": _("签名是空白的，请场所代表在签名框内签名")})


@transaction.atomic
def sign(inspection: Inspection, *, by: Any, representative: str, signature_png: bytes | str) -> Inspection:
    """The place's representative signs on the inspector's phone (a PNG drawn on a canvas)."""
    inspection = _editable(inspection, by)
    representative = (representative or "").strip()
    if not representative:
        raise ValidationError({"representative": _("请填写签名的场所代表姓名")})
    if len(representative) > 40:
        raise ValidationError({"representative": _("场所代表姓名不超过 40 字")})
    data = decode_signature(signature_png)
    inspection.representative = representative
    inspection.signature.save("signature.png", ContentFile(data), save=False)
    inspection.signed_at = timezone.now()
    inspection.save(update_fields=["representative", "signature", "signed_at", "updated_at"])
    return inspection


def unanswered_items(inspection: Inspection) -> list[ChecklistItem]:
    answered = set(inspection.results.values_list("item_id", flat=True))
    return [item for item in inspection.checklist.items.order_by("order", "id") if item.pk not in answered]


@transaction.atomic
def finish(inspection: Inspection, *, by: Any, summary: str = "") -> Inspection:
    """Submit the result: failed iff any item failed; completes the task and tells the risk record."""
    inspection = _editable(inspection, by)
    summary = (summary or "").strip()
    if len(summary) > 2000:
        raise ValidationError({"summary": _("检查意见不超过 2000 字")})
    missing = unanswered_items(inspection)
    if missing:
        names = "、".join(f"{item.order}. {item.matter}" for item in missing[:5])
        raise ValidationError({"items": _("还有 %(n)d 项未填写：%(names)s") % {"n": len(missing), "names": names}})
    if inspection.kind != InspectionKind.SELF_INSPECTION and inspection.checked_in_at is None:
        raise ValidationError({"check_in": _("请先在现场签到定位")})
    if inspection.kind == InspectionKind.SUPERVISION and not inspection.signature:
        raise ValidationError({"signature": _("监督检查须由场所代表签名后才能提交")})
    failed = inspection.results.filter(outcome=ItemOutcome.FAILED).exists()
    passed = not failed
    inspection.state = InspectionState.SUBMITTED
    inspection.result = InspectionResult.PASSED if passed else InspectionResult.FAILED
    inspection.summary = summary
    inspection.finished_at = timezone.now()
    inspection.save(update_fields=["state", "result", "summary", "finished_at", "updated_at"])
    if inspection.task_id:
        from inspectionplans.actions import complete_task

        complete_task(inspection.task, by=by, inspection_id=inspection.pk, passed=passed)  # type: ignore[arg-type]
    _record_risk(inspection, passed)
    return inspection


def _record_risk(inspection: Inspection, passed: bool) -> None:
    """Supervision and self-inspections count toward the place's inspection regime; patrols do not.

    `risk` counts only 单位自查 and 监督检查 (see docs/risk.md); a grid patrol is a round,
    not one of those. The inspection action has already checked the inspector's rights,
    so the risk action is called as system code (`by=None`).
    """
    from risk.actions import record_inspection
    from risk.choices import InspectionKind as RiskKind

    kind = {
        InspectionKind.SUPERVISION: RiskKind.SUPERVISION,
        InspectionKind.SELF_INSPECTION: RiskKind.SELF,
    }.get(InspectionKind(inspection.kind))
    if kind is None:
        return
    record_inspection(
        inspection.place,
        kind,
        timezone.localdate(inspection.finished_at),
        passed,
        by=None,
        note=inspection.summary[:300],
        source_ref=str(inspection.pk),
    )
