"""Receiving public reports (with their abuse guards) and triaging them.

Submission is open to anyone, so every guard is on the server and every count comes from
the database (several web processes share nothing else); the cache only remembers, for a
minute, a client that was just refused, so a flood is turned away before it costs a query.
Triage is an ordinary action: capability, row lock, one decision per report.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.roles import Capability
from hazards.machine import TransitionRefused
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.validators import MOBILE_RE
from places import locating
from places.actions import sniff_image
from places.coords import CoordSystem, out_of_china, to_wgs84
from places.models import Place
from publicreports.choices import LocatedBy, ReportState, SubmittedVia
from publicreports.models import PublicReport, ReportPhoto
from yingji.actions import locked, require
from yingji.context import ActorContext, acting
from yingji.scoping import UNRESTRICTED, path_codes, use_scope

log = logging.getLogger("yingji.publicreports")

RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out over the phone
RECEIPT_LENGTH = 10  # 31**10 ≈ 8e14 codes: not guessable, short enough to write down
_RECEIPT_RE = re.compile(rf"^[{RECEIPT_ALPHABET}]{{{RECEIPT_LENGTH}}}$")
PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 1000
SYSTEM_ACTOR = "public_report"


@dataclass(frozen=True)
class Limits:
    """The abuse guards; override any of them with the ``PUBLIC_REPORT_LIMITS`` setting (a dict)."""

    per_client_hour: int = 5
    per_client_day: int = 20
    # Reports of one township in the last hour: above `flag_hour` new ones are kept but flagged
    # (a real fire brings many genuine reports); above `refuse_hour` they are refused (storage).
    flag_hour: int = 200
    refuse_hour: int = 1000
    duplicate_hours: int = 24
    max_photos: int = 3
    max_photo_bytes: int = 5 * 1024 * 1024
    # Three photos plus the text fields and multipart overhead; larger bodies are not read.
    max_body_bytes: int = 3 * 5 * 1024 * 1024 + 512 * 1024
    min_fill_seconds: int = 3
    max_form_age_seconds: int = 6 * 3600
    lookups_per_minute: int = 30
    refused_memory_seconds: int = 60


def limits() -> Limits:
    return Limits(**getattr(settings, "PUBLIC_REPORT_LIMITS", {}))


class SubmissionRefused(Exception):
    """A submission turned away by an abuse guard; `status` is the HTTP answer (429 or 413)."""

    def __init__(self, message: str, status: int = 429) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- identities of clients and contents ---------------------------------------------------


def fingerprint_of(address: str | None) -> str:
    """A keyed hash of the client address: stable per client, useless to anyone without the key."""
    return salted_hmac("yingji.publicreports.fingerprint", address or "unknown", algorithm="sha256").hexdigest()


def content_digest(description: str) -> str:
    return hashlib.sha256(" ".join(description.split()).encode()).hexdigest()


def normalise_receipt(raw: str) -> str:
    """The stored form of a typed code (case, spaces and dashes ignored), or "" if it cannot be one."""
    code = re.sub(r"[\s\-]", "", raw or "").upper()
    return code if _RECEIPT_RE.match(code) else ""


def format_receipt(code: str) -> str:
    """Two groups of five, easier to copy by hand: ``ABCDE-FGHJK``."""
    return f"{code[:5]}-{code[5:]}" if len(code) == RECEIPT_LENGTH else code


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _i in range(RECEIPT_LENGTH))


def check_body_size(content_length: Any) -> None:
    """Refuse a body by its declared length, before Django reads (and stores) any of it."""
    try:
        size = int(content_length or 0)
    except (TypeError, ValueError):
        size = 0
    if size > limits().max_body_bytes:
        raise SubmissionRefused(
            _("提交内容过大（%(mb).1f MB）：最多 %(n)d 张照片，每张不超过 %(max)d MB；请压缩照片后重试")
            % {"mb": size / 1048576, "n": limits().max_photos, "max": limits().max_photo_bytes // 1048576},
            status=413,
        )


def _blocked_key(fingerprint: str) -> str:
    return f"publicreports:refused:{fingerprint}"


def check_not_recently_refused(fingerprint: str) -> None:
    message = cache.get(_blocked_key(fingerprint))
    if message:
        raise SubmissionRefused(str(message))


def _refuse(fingerprint: str, message: str) -> SubmissionRefused:
    cache.set(_blocked_key(fingerprint), message, limits().refused_memory_seconds)
    return SubmissionRefused(message)


# --- validation ------------------------------------------------------------------------------


def clean_description(value: str) -> str:
    text = (value or "").strip()
    if len(text) < DESCRIPTION_MIN:
        raise ValidationError(
            {"description": _("请描述您发现的隐患，至少 %(n)d 个字（什么地方、什么情况）") % {"n": DESCRIPTION_MIN}}
        )
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": _("描述不超过 %(n)d 个字，当前 %(len)d 个字") % {"n": DESCRIPTION_MAX, "len": len(text)}}
        )
    return text


def clean_phone(value: str, *, anonymous: bool) -> str:
    """A mainland mobile number, or ""; an anonymous report keeps no phone at all."""
    if anonymous:
        return ""
    phone = re.sub(r"[\s\-]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if phone and not MOBILE_RE.match(phone):
        raise ValidationError({"phone": _("手机号应为 11 位数字，以 1 开头，例如 13800000000；也可以不填")})
    return phone


def check_photos(files: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Each photo with its type from its first bytes; refuses empty, oversized and non-image files."""
    rules = limits()
    if len(files) > rules.max_photos:
        raise ValidationError(
            {"photos": _("最多上传 %(n)d 张照片，您选择了 %(got)d 张") % {"n": rules.max_photos, "got": len(files)}}
        )
    checked = []
    for number, upload in enumerate(files, start=1):
        size = upload.size or 0
        if size == 0:
            raise ValidationError({"photos": _("第 %(i)d 张照片是空文件，请重新选择") % {"i": number}})
        if size > rules.max_photo_bytes:
            raise ValidationError(
                {
                    "photos": _("第 %(i)d 张照片过大（%(mb).1f MB），每张不超过 %(max)d MB；请压缩后上传")
                    % {"i": number, "mb": size / 1048576, "max": rules.max_photo_bytes // 1048576}
                }
            )
        upload.seek(0)
        content_type = sniff_image(upload.read(16))
        upload.seek(0)
        if content_type is None:
            raise ValidationError(
                {"photos": _("第 %(i)d 个文件不是照片：只能上传 JPG、PNG 或 WebP 图片") % {"i": number}}
            )
        checked.append((upload, content_type))
    return checked


def townships() -> list[Jurisdiction]:
    """What a reporter without a location picks from (the public needs no account to see them)."""
    return list(
        Jurisdiction.unscoped.filter(level=Level.TOWNSHIP, archived_at__isnull=True)
        .defer("boundary")
        .order_by("sort_order", "code")
    )


def county() -> Jurisdiction:
    node = (
        Jurisdiction.unscoped.filter(parent__isnull=True, archived_at__isnull=True)
        .defer("boundary")
        .order_by("code")
        .first()
    )
    if node is None:
        raise ValidationError(_("平台尚未配置辖区，暂不能接收举报"))
    return node


def locate_report(
    lng: float | None, lat: float | None, coord_system: str, township_code: str
) -> tuple[float | None, float | None, Jurisdiction, str]:
    """(lng, lat in WGS-84, jurisdiction, located_by): the point decides, else the pick, else the county.

    A point outside every boundary (GPS drift at sea, a report from the next county) is kept
    for the map, and the report goes to the picked township or the county to sort out.
    """
    chosen: Jurisdiction | None = None
    if township_code:
        chosen = next((t for t in townships() if t.code == township_code), None)
        if chosen is None:
            raise ValidationError({"township": _("请从列表中选择乡镇（街道）")})
    if (lng is None) != (lat is None):
        raise ValidationError({"lat" if lat is None else "lng": _("经度和纬度要同时提供，或同时留空")})
    if lng is not None and lat is not None:
        if coord_system not in CoordSystem.values:
            raise ValidationError({"coord_system": _("坐标系应为 wgs84、gcj02 或 bd09")})
        if not (-180 <= lng <= 180 and -90 <= lat <= 90) or out_of_china(lng, lat):
            raise ValidationError({"lng": _("位置坐标不正确（应在中国境内）；可以清除定位，改为填写地址并选择乡镇")})
        lng, lat = to_wgs84(lng, lat, coord_system)
        try:
            found = locating.locate(lng, lat, scope=UNRESTRICTED)
        except ValidationError:
            found = None
        if found is not None:
            return lng, lat, found, LocatedBy.POINT
    if chosen is not None:
        return lng, lat, chosen, LocatedBy.CHOSEN
    return lng, lat, county(), LocatedBy.DEFAULT


def _township_path(path: str) -> str:
    codes = path_codes(path)[:2]
    return "/" + "/".join(codes) + "/"


def _serialise_client(fingerprint: str) -> None:
    """Make "count, then insert" atomic per client across web processes.

    SQLite runs every transaction as BEGIN IMMEDIATE here (settings), so writers are already
    serialised; PostgreSQL takes a transaction-scoped advisory lock on the fingerprint.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(fingerprint[:15], 16)])


# --- submission ----------------------------------------------------------------------------


def submit_report(
    *,
    description: str,
    fingerprint: str,
    lng: float | None = None,
    lat: float | None = None,
    coord_system: str = CoordSystem.WGS84,
    address: str = "",
    township_code: str = "",
    phone: str = "",
    anonymous: bool = False,
    photos: Sequence[UploadedFile] = (),
    via: str = SubmittedVia.API,
    now: Any = None,
) -> tuple[PublicReport, bool]:
    """Store a report from the public; returns (report, created).

    The same text from the same client within the duplicate window returns the earlier
    report (a double tap, a resend after a lost answer) and writes nothing. Raises
    ValidationError for bad input and SubmissionRefused when a guard turns it away.
    """
    rules = limits()
    check_not_recently_refused(fingerprint)
    text = clean_description(description)
    address = (address or "").strip()
    if len(address) > 200:
        raise ValidationError({"address": _("地址不超过 200 个字")})
    phone = clean_phone(phone, anonymous=anonymous)
    checked = check_photos(list(photos))
    lng, lat, jurisdiction, located_by = locate_report(lng, lat, coord_system, (township_code or "").strip())
    digest = content_digest(text)
    now = now or timezone.now()
    with use_scope(UNRESTRICTED), acting(ActorContext(system_name=SYSTEM_ACTOR)), transaction.atomic():
        _serialise_client(fingerprint)
        mine = PublicReport.unscoped.filter(fingerprint=fingerprint)
        earlier = (
            mine.filter(content_digest=digest, created_at__gte=now - timedelta(hours=rules.duplicate_hours))
            .order_by("created_at")
            .first()
        )
        if earlier is not None:
            return earlier, False
        if mine.filter(created_at__gte=now - timedelta(hours=1)).count() >= rules.per_client_hour:
            raise _refuse(
                fingerprint,
                _("提交过于频繁：同一网络每小时最多提交 %(n)d 条举报，请稍后再试；紧急情况请拨打 119")
                % {"n": rules.per_client_hour},
            )
        if mine.filter(created_at__gte=now - timedelta(days=1)).count() >= rules.per_client_day:
            raise _refuse(
                fingerprint,
                _("提交过于频繁：同一网络每天最多提交 %(n)d 条举报，请明天再试；紧急情况请拨打 119")
                % {"n": rules.per_client_day},
            )
        recent_here = PublicReport.unscoped.filter(
            jurisdiction_path__within=_township_path(jurisdiction.path), created_at__gte=now - timedelta(hours=1)
        ).count()
        if recent_here >= rules.refuse_hour:
            raise SubmissionRefused(_("举报通道当前繁忙，请稍后再试；紧急情况请拨打 119"))
        report = PublicReport(
            jurisdiction=jurisdiction,
            description=text,
            lng=lng,
            lat=lat,
            coord_system=coord_system if lng is not None else CoordSystem.WGS84,
            address=address,
            located_by=located_by,
            phone=phone,
            anonymous=anonymous,
            fingerprint=fingerprint,
            content_digest=digest,
            submitted_via=via,
            flood_flagged=recent_here >= rules.flag_hour,
            created_at=now,
        )
        _save_with_new_receipt(report)
        for upload, content_type in checked:
            upload.name = f"photo.{PHOTO_EXTENSIONS[content_type]}"
            ReportPhoto.objects.create(report=report, image=upload, content_type=content_type, size=upload.size or 0)
    return report, True


def _save_with_new_receipt(report: PublicReport) -> None:
    for _attempt in range(5):
        report.receipt = new_receipt()
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            if PublicReport.unscoped.filter(receipt=report.receipt).exists():
                continue
            raise
        return
    raise RuntimeError("could not draw an unused receipt code")  # 31**10 codes: does not happen


# --- triage ----------------------------------------------------------------------------------


def _open_for_triage(report: PublicReport, by: Any) -> PublicReport:
    require(by, Capability.MANAGE_HAZARDS)
    current: PublicReport = locked(report)
    if current.state != ReportState.RECEIVED:
        raise TransitionRefused(_("该举报已处理（%(state)s），不能重复处理") % {"state": current.get_state_display()})
    return current


def _photo_files(report: PublicReport) -> list[UploadedFile]:
    """The report's photos as uploads, so the hazard keeps its own copies of the evidence.

    A photo whose file has gone missing from storage is skipped (logged) rather than
    blocking the hazard: the report row still records that it existed.
    """
    files = []
    for photo in report.photos.all():
        try:
            handle = photo.image.open("rb")
        except OSError:
            log.warning("public report %s: photo file %s is missing", report.pk, photo.image.name)
            continue
        files.append(
            UploadedFile(
                file=handle, name=photo.image.name.rsplit("/", 1)[-1], content_type=photo.content_type, size=photo.size
            )
        )
    return files


@transaction.atomic
def accept(
    report: PublicReport,
    *,
    by: Any,
    category: str,
    hazard_type: str,
    severity: str = "general",
    place: Place | None = None,
    description: str = "",
    interim_measures: str = "",
) -> PublicReport:
    """Turn the report into a hazard (发现 state); the report's outcome follows that hazard from now on."""
    from hazards.actions import report_hazard

    report = _open_for_triage(report, by)
    if place is not None and place.archived_at is not None:
        raise ValidationError({"place": _("该场所已归档，请选择其他场所或不指定场所")})
    files = _photo_files(report)
    try:
        hazard = report_hazard(
            by=by,
            place=place,
            jurisdiction=None if place is not None else report.jurisdiction,
            category=category,
            hazard_type=hazard_type,
            severity=severity,
            description=(description or "").strip() or report.description,
            source="public_report",
            lat=report.lat,
            lng=report.lng,
            address=report.address,
            photos=files,
            interim_measures=interim_measures,
            source_app="publicreports",
            source_ref=str(report.pk),
            reporter_label=_("群众举报 %(receipt)s") % {"receipt": format_receipt(report.receipt)},
            found_at=report.created_at,
        )
    finally:
        for upload in files:
            upload.close()
    report.state = ReportState.ACCEPTED
    report.hazard = hazard
    report.triaged_by = by
    report.triaged_at = timezone.now()
    report.save(update_fields=["state", "hazard", "triaged_by", "triaged_at", "updated_at"])
    return report


@transaction.atomic
def reject(report: PublicReport, *, by: Any, reason: str) -> PublicReport:
    """Not a hazard (or not ours): the reason is shown to the reporter, so write it for them."""
    report = _open_for_triage(report, by)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("请填写不予受理的原因（举报人凭回执码可以看到）")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("原因不超过 300 个字")})
    report.state = ReportState.REJECTED
    report.reason = reason
    report.triaged_by = by
    report.triaged_at = timezone.now()
    report.save(update_fields=["state", "reason", "triaged_by", "triaged_at", "updated_at"])
    return report


@transaction.atomic
def mark_duplicate(
    report: PublicReport, *, by: Any, of_report: PublicReport | None = None, of_hazard: Any = None, note: str = ""
) -> PublicReport:
    """The same matter as an earlier report or a known hazard; its outcome then follows that one."""
    report = _open_for_triage(report, by)
    if (of_report is None) == (of_hazard is None):
        raise ValidationError({"duplicate_of": _("请指定重复的举报（回执码）或隐患，二者选一")})
    if of_report is not None:
        # Point at the first report of the chain, so outcomes never go round in circles.
        seen = {report.pk}
        while of_report.duplicate_of_id is not None and of_report.pk not in seen:
            seen.add(of_report.pk)
            of_report = PublicReport.unscoped.get(pk=of_report.duplicate_of_id)
        if of_report.pk in seen:
            raise ValidationError({"duplicate_of": _("不能标记为与自身重复")})
        report.duplicate_of = of_report
    else:
        report.hazard = of_hazard
    report.state = ReportState.DUPLICATE
    report.reason = (note or "").strip()[:300]
    report.triaged_by = by
    report.triaged_at = timezone.now()
    report.save(update_fields=["state", "duplicate_of", "hazard", "reason", "triaged_by", "triaged_at", "updated_at"])
    return report


def clean_amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("奖励金额应为数字，例如 200 或 200.50")}) from None
    if not Decimal("0.01") <= amount <= Decimal("1000000"):
        raise ValidationError({"amount": _("奖励金额应大于 0 元、不超过 100 万元")})
    return amount


@transaction.atomic
def record_reward(report: PublicReport, *, by: Any, amount: Any, note: str = "") -> PublicReport:
    """Record (or correct) the reward for a report that found a real hazard; the audit log keeps every change."""
    require(by, Capability.MANAGE_HAZARDS)
    report = locked(report)
    if report.state != ReportState.ACCEPTED:
        raise TransitionRefused(
            _("只有已受理为隐患的举报才能登记奖励（当前：%(state)s）") % {"state": report.get_state_display()}
        )
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("奖励说明不超过 200 个字")})
    report.reward_amount = clean_amount(amount)
    report.reward_note = note
    report.rewarded_by = by
    report.rewarded_at = timezone.now()
    report.save(update_fields=["reward_amount", "reward_note", "rewarded_by", "rewarded_at", "updated_at"])
    return report
