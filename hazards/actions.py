"""Every change to a hazard: the steps of the loop 发现→确认→派单→整改→复核→核销 and around it.

Each function checks the actor's right, re-reads the hazard under a row lock, asks the
transition table (`hazards.machine.check`) whether the step is possible in the state it
finds *now* (so of two concurrent clicks exactly one wins and the other is refused with a
reason), validates, saves the changed fields, writes one `HazardEvent` for the timeline
and queues its side effects (risk signals, notifications) for after the commit.

Errors: `TransitionRefused` (the API answers 409), `PermissionDenied` (403) and
`ValidationError` (400), each with a message that says what to do instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accounts.roles import Capability, Role, has_capability
from hazards import colours, machine
from hazards.choices import (
    OPEN_STATES,
    TERMINAL_STATES,
    ExtensionState,
    HazardCategory,
    HazardSeverity,
    HazardSource,
    HazardState,
    HazardType,
    PhotoStage,
    ReminderLevel,
)
from hazards.machine import TransitionRefused
from hazards.models import DeadlineExtension, Hazard, HazardEvent, HazardPhoto
from jurisdictions.models import Jurisdiction
from places.models import Place, PlaceAccount
from yingji.scoping import path_codes, scope_for_user

log = logging.getLogger("yingji.hazards")

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTOS_PER_UPLOAD = 9
PHOTO_SUFFIX = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
NUMBER_ATTEMPTS = 8


# --- who may do what ---------------------------------------------------------------------


def _is_user(user: Any) -> bool:
    return user is not None and getattr(user, "pk", None) is not None and getattr(user, "is_authenticated", False)


def _is_linked(user: Any, place_id: int | None) -> bool:
    return place_id is not None and PlaceAccount.objects.filter(place_id=place_id, user_id=user.pk).exists()


def can_see(user: Any, hazard: Hazard) -> bool:
    """Whether `user` may see the hazard at all (their subtree; an enterprise user: their places)."""
    if not _is_user(user):
        return False
    if not scope_for_user(user).allows_path(hazard.jurisdiction_path):
        return False
    if getattr(user, "role", "") == Role.ENTERPRISE_USER and not user.is_superuser:
        return _is_linked(user, hazard.place_id)
    return True


def _is_assignee(user: Any, hazard: Hazard) -> bool:
    return _is_user(user) and hazard.assignee_user_id is not None and hazard.assignee_user_id == user.pk


def _manage_refusal(user: Any) -> str | None:
    if not has_capability(user, Capability.MANAGE_HAZARDS):
        return _("当前角色无权执行此操作（需要“%(cap)s”权限）") % {"cap": Capability.MANAGE_HAZARDS.label}
    return None


def _refusal(action: str, hazard: Hazard, user: Any) -> str | None:
    """Why `user` may not do `action` on `hazard` (None: they may). States are checked elsewhere."""
    if not can_see(user, hazard):
        return _("该隐患不在您的辖区或关联场所范围内")
    if action in ("confirm", "reject", "assign", "decide_extension"):
        return _manage_refusal(user)
    if action in ("start", "submit", "extend", "interim_measures"):
        if _is_assignee(user, hazard) or has_capability(user, Capability.MANAGE_HAZARDS):
            return None
        return _("只有整改责任人或乡镇（街道）隐患管理人员可以执行此操作")
    if action in ("verify_pass", "verify_fail"):
        refusal = _manage_refusal(user)
        if refusal:
            return refusal
        if hazard.rectified_by_id is not None and hazard.rectified_by_id == user.pk:
            return _("复核须由提交整改以外的人员进行：您提交了本次整改，不能自己复核")
        return None
    if action == "close":
        refusal = _manage_refusal(user)
        if refusal:
            return refusal
        if hazard.severity == HazardSeverity.MAJOR and not has_capability(user, Capability.SUPERVISE_HAZARDS):
            return _("重大事故隐患实行县级挂牌督办，只能由县级核销；乡镇（街道）无权核销")
        return None
    if action in ("supervise", "determination"):
        cap = Capability.SUPERVISE_HAZARDS if action == "supervise" else Capability.MANAGE_HAZARDS
        if not has_capability(user, cap):
            return _("当前角色无权执行此操作（需要“%(cap)s”权限）") % {"cap": cap.label}
        return None
    if action == "photos":
        if has_capability(user, Capability.MANAGE_HAZARDS) or _is_assignee(user, hazard):
            return None
        if hazard.reported_by_id is not None and hazard.reported_by_id == user.pk:
            return None
        return _("只有上报人、整改责任人或隐患管理人员可以补充照片")
    return _("未知操作“%(action)s”") % {"action": action}


def _require(action: str, hazard: Hazard, user: Any) -> None:
    reason = _refusal(action, hazard, user)
    if reason:
        raise PermissionDenied(reason)


def _require_capability(user: Any, capability: Capability) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(_("当前角色无权执行此操作（需要“%(cap)s”权限）") % {"cap": capability.label})


def allowed_actions(h: Hazard, user: Any) -> list[str]:
    """The actions `user` may take on the hazard now: the transition table, their role and who they are."""
    names = [name for name in machine.available(h.state) if _refusal(name, h, user) is None]
    if h.state in OPEN_STATES:
        if h.severity == HazardSeverity.MAJOR and _refusal("supervise", h, user) is None:
            names.append("supervise")
        if _refusal("interim_measures", h, user) is None:
            names.append("interim_measures")
        if _refusal("photos", h, user) is None:
            names.append("photos")
        if (
            h.state in (HazardState.ASSIGNED, HazardState.RECTIFYING)
            and _refusal("decide_extension", h, user) is None
            and DeadlineExtension.objects.filter(hazard_id=h.pk, state=ExtensionState.PENDING).exists()
        ):
            names.append("decide_extension")
        if _refusal("determination", h, user) is None:
            names.append("determination")
    return names


# --- helpers -----------------------------------------------------------------------------


def _lock(h: Hazard) -> Hazard:
    """The hazard re-read under a row lock (the state others may have changed meanwhile)."""
    return Hazard._base_manager.select_for_update().get(pk=h.pk)


def _event(
    h: Hazard,
    action: str,
    *,
    by: Any,
    from_state: str,
    to_state: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> HazardEvent:
    return HazardEvent.objects.create(
        hazard=h,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=by if _is_user(by) else None,
        actor_label="" if _is_user(by) else _("系统"),
        at=timezone.now(),
        note=(note or "")[:2000],
        data=data or {},
    )


def _step(
    h: Hazard, action: str, *, by: Any, changes: dict[str, Any], note: str = "", data: dict[str, Any] | None = None
) -> Hazard:
    """Apply one transition of the table to a locked hazard: state, fields, timeline event."""
    transition = machine.check(action, h.state)
    from_state = h.state
    if transition.target is not None:
        changes = {"state": transition.target, **changes}
    for name, value in changes.items():
        setattr(h, name, value)
    h.save(update_fields=[*changes, "updated_at"])
    _event(h, action, by=by, from_state=from_state, to_state=h.state, note=note, data=data)
    return h


def _after_commit(func: Callable[[], Any]) -> None:
    """A side effect that must not undo the step (a failure is logged, the step stands)."""
    transaction.on_commit(func, robust=True)


def _text(value: Any, field: str, message: str, *, max_length: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({field: message})
    if len(text) > max_length:
        raise ValidationError({field: _("内容过长（最多 %(n)d 字）") % {"n": max_length}})
    return text


def _as_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value).strip())
    if parsed is None:
        raise ValidationError({field: _("日期格式应为 YYYY-MM-DD")})
    return parsed


def _not_past(day: date, field: str) -> None:
    if day < timezone.localdate():
        raise ValidationError({field: _("期限 %(day)s 已经过去，请选择今天或以后的日期") % {"day": day.isoformat()}})


def deadline_policy(h: Hazard) -> Any:
    from hazards.services import deadline_policy_for

    return deadline_policy_for(h.jurisdiction)


def _yellow(h: Hazard, start: date, deadline: date) -> date:
    policy = deadline_policy(h)
    return colours.yellow_from(start, deadline, days=policy.yellow_days, percent=policy.yellow_percent)


def _assigned_on(h: Hazard) -> date:
    return timezone.localdate(h.assigned_at) if h.assigned_at else timezone.localdate()


# --- photos --------------------------------------------------------------------------------


def check_photos(files: Iterable[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Each upload checked by its first bytes and size; returns (file, content type) or refuses naming the file."""
    from places.actions import sniff_image

    items = list(files or ())
    if len(items) > PHOTOS_PER_UPLOAD:
        raise ValidationError(
            {"photos": _("一次最多上传 %(n)d 张照片（收到 %(got)d 张）") % {"n": PHOTOS_PER_UPLOAD, "got": len(items)}}
        )
    checked: list[tuple[UploadedFile, str]] = []
    for upload in items:
        name = str(getattr(upload, "name", "") or _("未命名文件"))[:80]
        size = upload.size or 0
        if size == 0:
            raise ValidationError({"photos": _("照片“%(name)s”是空文件，请重新选择") % {"name": name}})
        if size > PHOTO_MAX_BYTES:
            raise ValidationError(
                {
                    "photos": _("照片“%(name)s”过大（%(mb).1f MB），单张不超过 %(max)d MB，请压缩后上传")
                    % {"name": name, "mb": size / 1048576, "max": PHOTO_MAX_BYTES // 1048576}
                }
            )
        upload.seek(0)
        content_type = sniff_image(upload.read(16))
        upload.seek(0)
        if content_type is None:
            raise ValidationError(
                {"photos": _("文件“%(name)s”不是图片：只能上传 JPG、PNG 或 WebP 照片") % {"name": name}}
            )
        checked.append((upload, content_type))
    return checked


def _save_photos(h: Hazard, checked: list[tuple[UploadedFile, str]], *, by: Any, stage: str) -> list[HazardPhoto]:
    saved = []
    for upload, content_type in checked:
        upload.name = f"photo.{PHOTO_SUFFIX[content_type]}"
        photo = HazardPhoto(hazard=h, stage=stage, image=upload, uploaded_by=by if _is_user(by) else None)
        photo.save()
        saved.append(photo)
    return saved


# --- numbers -------------------------------------------------------------------------------


def _number_prefix(jurisdiction: Jurisdiction, on: date) -> str:
    codes = path_codes(jurisdiction.path)
    return f"YH{codes[0] if codes else jurisdiction.code}{on:%Y%m%d}"


def _next_number(prefix: str) -> str:
    last = (
        Hazard._base_manager.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    tail = last[len(prefix) :] if last else ""
    sequence = int(tail) + 1 if tail.isdigit() else 1
    return f"{prefix}{sequence:04d}"


def _insert_numbered(h: Hazard) -> None:
    """Save a new hazard with the next free number; a concurrent insert of the same number retries."""
    prefix = _number_prefix(h.jurisdiction, timezone.localdate())
    for attempt in range(NUMBER_ATTEMPTS):
        h.number = _next_number(prefix)
        try:
            with transaction.atomic():
                h.save(force_insert=True)
            return
        except IntegrityError:
            h.pk = None
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# --- side effects ----------------------------------------------------------------------------


def _signal_open(hazard_id: int) -> None:
    from risk.actions import record_signal
    from risk.choices import SignalKind

    h = Hazard._base_manager.select_related("place").get(pk=hazard_id)
    if h.place is None or h.state not in OPEN_STATES:
        return
    record_signal(
        h.place,
        SignalKind.HAZARD_OPEN,
        severity=h.severity,
        note=f"{h.number} {h.description[:80]}",
        source_app="hazards",
        source_ref=str(h.pk),
    )


def _signal_resolved(hazard_id: int) -> None:
    from risk.actions import resolve_source

    resolve_source("hazards", str(hazard_id))


def _notify_assignee(hazard_id: int, actor_id: int | None) -> None:
    from notifications.services import Recipient, default_policy, start_notification

    h = Hazard._base_manager.select_related("jurisdiction", "place").get(pk=hazard_id)
    if h.assignee_person_id:
        recipient = Recipient(person_id=h.assignee_person_id, user_id=h.assignee_user_id, label=_("整改责任人"))
    elif h.assignee_user_id:
        recipient = Recipient(user_id=h.assignee_user_id, label=_("整改责任人"))
    else:
        return
    place = h.place.name if h.place else h.address
    start_notification(
        topic="hazard.assigned",
        source=h,
        jurisdiction=h.jurisdiction,
        title=_("隐患整改通知：%(number)s") % {"number": h.number},
        body=_("%(place)s：%(desc)s。请于 %(deadline)s 前完成整改并提交整改情况。")
        % {"place": place, "desc": h.description[:200], "deadline": h.deadline.isoformat() if h.deadline else "-"},
        recipients=[recipient],
        policy=default_policy("hazard.assigned", h.jurisdiction),
        actor=_actor(actor_id),
        severity=h.severity,
    )


def _notify_major(hazard_id: int, actor_id: int | None) -> None:
    """In-app notice to the county administrators above the hazard that a major hazard is under supervision."""
    from accounts.models import User
    from notifications.services import Recipient, start_notification

    h = Hazard._base_manager.select_related("jurisdiction", "place").get(pk=hazard_id)
    admins = [
        u
        for u in User.unscoped.filter(role=Role.COUNTY_ADMIN, is_active=True).only("pk", "jurisdiction_path")
        if u.jurisdiction_path and h.jurisdiction_path.startswith(u.jurisdiction_path)
    ]
    if not admins:
        return
    place = h.place.name if h.place else h.address
    start_notification(
        topic="hazard.major",
        source=h,
        jurisdiction=h.jurisdiction,
        title=_("重大事故隐患挂牌督办：%(number)s") % {"number": h.number},
        body=_("%(place)s：%(desc)s。请设定督办期限和责任领导。") % {"place": place, "desc": h.description[:200]},
        recipients=[Recipient(user_id=u.pk, label=_("县级管理员")) for u in admins],
        channels=["inapp"],
        actor=_actor(actor_id),
        severity=HazardSeverity.MAJOR,
    )


def _actor(actor_id: int | None) -> Any:
    from accounts.models import User

    return User.unscoped.filter(pk=actor_id).first() if actor_id else None


def _start_supervision(h: Hazard, *, by: Any) -> list[str]:
    """Mark a major hazard as under county supervision (once); returns the changed fields."""
    if h.supervised:
        return []
    h.supervised = True
    h.supervised_at = timezone.now()
    actor_id = by.pk if _is_user(by) else None
    hazard_id = h.pk
    _after_commit(lambda: _notify_major(hazard_id, actor_id))
    return ["supervised", "supervised_at"]


# --- reporting -------------------------------------------------------------------------------


@transaction.atomic
def report_hazard(
    *,
    by: Any,
    place: Place | None = None,
    jurisdiction: Jurisdiction | None = None,
    category: str,
    hazard_type: str,
    description: str,
    source: str,
    severity: str = HazardSeverity.GENERAL,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    photos: Iterable[UploadedFile] = (),
    interim_measures: str = "",
    source_app: str = "",
    source_ref: str = "",
    reporter_label: str = "",
    found_at: datetime | None = None,
    determination: dict[str, Any] | None = None,
) -> Hazard:
    """Record a found hazard (发现). `by=None` is system code that has checked its own rights."""
    if by is not None:
        _require_capability(by, Capability.REPORT_HAZARD)
    errors: dict[str, str] = {}
    if category not in HazardCategory.values:
        errors["category"] = _("隐患类别应为：%(v)s") % {"v": "、".join(HazardCategory.values)}
    if hazard_type not in HazardType.values:
        errors["hazard_type"] = _("灾种应为：%(v)s") % {"v": "、".join(HazardType.values)}
    if severity not in HazardSeverity.values:
        errors["severity"] = _("隐患等级应为 general（一般）或 major（重大）")
    if source not in HazardSource.values:
        errors["source"] = _("来源应为：%(v)s") % {"v": "、".join(HazardSource.values)}
    text = str(description or "").strip()
    if not text:
        errors["description"] = _("请描述隐患情况")
    elif len(text) > 2000:
        errors["description"] = _("隐患描述过长（最多 2000 字）")
    if place is None and jurisdiction is None:
        errors["place"] = _("请选择隐患所在场所，或指定所属辖区")
    if place is not None and place.archived_at is not None:
        errors["place"] = _("该场所已归档，不能登记隐患")
    if (lat is None) != (lng is None):
        errors["lat"] = _("经纬度须同时填写")
    elif lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        errors["lat"] = _("经纬度超出范围")
    now = timezone.now()
    if found_at is not None and found_at > now + timedelta(minutes=5):
        errors["found_at"] = _("发现时间不能晚于现在")
    if errors:
        raise ValidationError(errors)
    node = jurisdiction if jurisdiction is not None else place.jurisdiction  # type: ignore[union-attr]
    if place is not None and not place.jurisdiction_path.startswith(node.path):
        raise ValidationError({"jurisdiction": _("场所不在所选辖区内")})
    if by is not None:
        if not scope_for_user(by).allows_path(node.path):
            raise PermissionDenied(_("只能在本辖区内上报隐患"))
        if getattr(by, "role", "") == Role.ENTERPRISE_USER and not by.is_superuser:
            if place is None or not _is_linked(by, place.pk):
                raise PermissionDenied(_("企业用户只能为本单位关联的场所上报自查隐患"))
            if source != HazardSource.SELF_INSPECTION:
                raise ValidationError({"source": _("企业用户上报的隐患来源只能是“单位自查”（self_inspection）")})
    checked = check_photos(photos)
    if lat is None and place is not None and place.lat is not None:
        lat, lng = place.lat, place.lng
    h = Hazard(
        jurisdiction=node,
        place=place,
        category=category,
        hazard_type=hazard_type,
        severity=severity,
        description=text,
        source=source,
        source_app=source_app[:30],
        source_ref=str(source_ref)[:40],
        lat=lat,
        lng=lng,
        address=(address or (place.address if place is not None else "")).strip()[:200],
        found_at=found_at or now,
        reported_by=by if _is_user(by) else None,
        reporter_label=(reporter_label or (by.display_name if _is_user(by) else "")).strip()[:60],
        interim_measures=(interim_measures or "").strip()[:1000],
        determination=determination or {},
    )
    _insert_numbered(h)
    _save_photos(h, checked, by=by, stage=PhotoStage.FOUND)
    _event(
        h,
        "report",
        by=by,
        from_state="",
        to_state=h.state,
        note=text[:200],
        data={"source": source, "photos": len(checked)},
    )
    return h


# --- the loop --------------------------------------------------------------------------------


@transaction.atomic
def confirm(h: Hazard, *, by: Any, severity: str | None = None, note: str = "") -> Hazard:
    """Confirm a reported hazard (确认), optionally setting its severity; a major one goes to county supervision."""
    h = _lock(h)
    machine.check("confirm", h.state)
    _require("confirm", h, by)
    changes: dict[str, Any] = {}
    if severity:
        if severity not in HazardSeverity.values:
            raise ValidationError({"severity": _("隐患等级应为 general（一般）或 major（重大）")})
        changes["severity"] = severity
    if changes.get("severity", h.severity) == HazardSeverity.MAJOR:
        h.severity = HazardSeverity.MAJOR
        for name in _start_supervision(h, by=by):
            changes[name] = getattr(h, name)
    _step(h, "confirm", by=by, changes=changes, note=note, data={"severity": changes.get("severity", h.severity)})
    hazard_id = h.pk
    _after_commit(lambda: _signal_open(hazard_id))
    return h


@transaction.atomic
def reject(h: Hazard, *, by: Any, reason: str) -> Hazard:
    """Not a hazard after all (不予认定), with the reason on record."""
    h = _lock(h)
    machine.check("reject", h.state)
    _require("reject", h, by)
    reason = _text(reason, "reason", _("请填写不予认定的原因"), max_length=300)
    _step(h, "reject", by=by, changes={"rejection_reason": reason}, note=reason)
    hazard_id = h.pk
    _after_commit(lambda: _signal_resolved(hazard_id))
    return h


def _default_assignee(h: Hazard, by: Any) -> dict[str, Any]:
    """The place's 消防安全管理人: their linked account, else their person record, else a new one."""
    from accounts.models import User
    from people.models import Person

    place = h.place
    if place is None:
        return {}
    name, mobile = place.fire_manager_name.strip(), place.fire_manager_mobile.strip()
    if not mobile:
        return {"assignee_name": name} if name else {}
    linked = (
        User.unscoped.filter(place_links__place_id=place.pk, is_active=True, person__mobile=mobile)
        .select_related("person")
        .first()
    )
    if linked is not None:
        return {
            "assignee_user": linked,
            "assignee_person": linked.person,
            "assignee_name": name or linked.display_name,
            "assignee_mobile": mobile,
        }
    people = Person.unscoped.filter(mobile=mobile, archived_at__isnull=True)
    scope = scope_for_user(by) if _is_user(by) else None
    if scope is not None and not scope.unrestricted:
        people = people.filter(jurisdiction_path__within=scope.paths[0]) if scope.paths else people.none()
    person = people.order_by("-jurisdiction_path", "id").first()
    if person is None:
        person = Person(
            jurisdiction=place.jurisdiction,
            name=(name or _("消防安全管理人"))[:40],
            mobile=mobile,
            organization=place.name[:100],
            title=_("消防安全管理人"),
        )
        try:
            person.full_clean(exclude=["id_number_sealed", "id_number_masked"])
        except ValidationError:
            # A mobile the registry's validator refuses: keep the name and number as snapshots only.
            return {"assignee_name": name, "assignee_mobile": mobile[:11]}
        person.save()
    account = User.unscoped.filter(person_id=person.pk, is_active=True).first()
    return {
        "assignee_person": person,
        "assignee_user": account,
        "assignee_name": name or person.name,
        "assignee_mobile": mobile,
    }


def _assignee_fields(h: Hazard, user: Any) -> dict[str, Any]:
    if not getattr(user, "is_active", False):
        raise ValidationError({"assignee_id": _("整改责任人账号已停用")})
    if not can_see(user, h):
        raise ValidationError({"assignee_id": _("整改责任人账号看不到该隐患（不在其辖区或未关联该场所），请换人")})
    person = user.person
    return {
        "assignee_user": user,
        "assignee_person": person,
        "assignee_name": (person.name if person else user.display_name)[:40],
        "assignee_mobile": (person.mobile if person else "")[:11],
    }


@transaction.atomic
def assign(
    h: Hazard, *, by: Any, deadline: date | None = None, assignee: Any = None, department: str = "", note: str = ""
) -> Hazard:
    """Dispatch (派单) to the responsible person or a department, with a deadline (default by severity)."""
    h = _lock(h)
    machine.check("assign", h.state)
    _require("assign", h, by)
    today = timezone.localdate()
    if deadline is None:
        policy = deadline_policy(h)
        days = policy.major_days if h.severity == HazardSeverity.MAJOR else policy.general_days
        deadline = today + timedelta(days=days)
    _not_past(deadline, "deadline")
    if (
        assignee is not None
        and _is_user(by)
        and not scope_for_user(by).allows_path(getattr(assignee, "jurisdiction_path", "") or "")
    ):
        raise ValidationError({"assignee_id": _("整改责任人账号不在您的辖区范围内")})
    who = _assignee_fields(h, assignee) if assignee is not None else _default_assignee(h, by)
    department = (department or "").strip()[:60]
    if not who.get("assignee_name") and not who.get("assignee_user") and not department:
        raise ValidationError({"assignee_id": _("场所未登记消防安全管理人：请指定整改责任人账号或责任部门")})
    changes: dict[str, Any] = {
        "assignee_user": who.get("assignee_user"),
        "assignee_person": who.get("assignee_person"),
        "assignee_name": who.get("assignee_name", "")[:40],
        "assignee_mobile": who.get("assignee_mobile", "")[:11],
        "assignee_department": department,
        "assigned_at": timezone.now(),
        "assigned_by": by if _is_user(by) else None,
        "deadline": deadline,
        "original_deadline": deadline,
        "yellow_from": _yellow(h, today, deadline),
        "reminder_level": ReminderLevel.NONE,
    }
    data = {
        "deadline": deadline.isoformat(),
        "assignee": changes["assignee_name"],
        "assignee_user_id": changes["assignee_user"].pk if changes["assignee_user"] else None,
        "department": department,
    }
    _step(h, "assign", by=by, changes=changes, note=note, data=data)
    hazard_id, actor_id = h.pk, (by.pk if _is_user(by) else None)
    _after_commit(lambda: _signal_open(hazard_id))
    _after_commit(lambda: _notify_assignee(hazard_id, actor_id))
    return h


@transaction.atomic
def start(h: Hazard, *, by: Any) -> Hazard:
    """The assignee starts rectifying (整改中)."""
    h = _lock(h)
    machine.check("start", h.state)
    _require("start", h, by)
    return _step(h, "start", by=by, changes={})


@transaction.atomic
def submit(h: Hazard, *, by: Any, note: str, photos: Iterable[UploadedFile] = ()) -> Hazard:
    """Rectification done (整改完成), with what was done and photos as evidence."""
    h = _lock(h)
    machine.check("submit", h.state)
    _require("submit", h, by)
    note = _text(note, "note", _("请填写整改情况"), max_length=2000)
    checked = check_photos(photos)
    changes = {"submitted_at": timezone.now(), "rectified_by": by if _is_user(by) else None, "rectification_note": note}
    _step(h, "submit", by=by, changes=changes, note=note, data={"photos": len(checked)})
    _save_photos(h, checked, by=by, stage=PhotoStage.EVIDENCE)
    return h


@transaction.atomic
def verify_pass(h: Hazard, *, by: Any, note: str = "", photos: Iterable[UploadedFile] = ()) -> Hazard:
    """Verification passed (复核通过), by someone other than who submitted the rectification."""
    h = _lock(h)
    machine.check("verify_pass", h.state)
    _require("verify_pass", h, by)
    checked = check_photos(photos)
    changes = {"verified_at": timezone.now(), "verified_by": by if _is_user(by) else None}
    _step(h, "verify_pass", by=by, changes=changes, note=note, data={"photos": len(checked)})
    _save_photos(h, checked, by=by, stage=PhotoStage.VERIFICATION)
    return h


@transaction.atomic
def verify_fail(h: Hazard, *, by: Any, reason: str) -> Hazard:
    """Verification failed (复核不通过): back to rectifying, with the reason."""
    h = _lock(h)
    machine.check("verify_fail", h.state)
    _require("verify_fail", h, by)
    reason = _text(reason, "reason", _("请填写复核不通过的原因"), max_length=2000)
    changes = {"verified_at": timezone.now(), "verified_by": by if _is_user(by) else None, "submitted_at": None}
    return _step(h, "verify_fail", by=by, changes=changes, note=reason)


@transaction.atomic
def close(h: Hazard, *, by: Any, note: str = "") -> Hazard:
    """Close (核销) a verified hazard; a major one only by the county."""
    h = _lock(h)
    machine.check("close", h.state)
    _require("close", h, by)
    _step(
        h, "close", by=by, changes={"closed_at": timezone.now(), "closed_by": by if _is_user(by) else None}, note=note
    )
    hazard_id = h.pk
    _after_commit(lambda: _signal_resolved(hazard_id))
    return h


# --- deadlines -------------------------------------------------------------------------------


def _move_deadline(h: Hazard, new_deadline: date) -> list[str]:
    h.deadline = new_deadline
    h.yellow_from = _yellow(h, _assigned_on(h), new_deadline)
    h.reminder_level = ReminderLevel.NONE
    return ["deadline", "yellow_from", "reminder_level"]


def _check_new_deadline(h: Hazard, new_deadline: date) -> None:
    _not_past(new_deadline, "deadline")
    if h.deadline is not None and new_deadline <= h.deadline:
        raise ValidationError({"deadline": _("新期限须晚于当前期限 %(current)s") % {"current": h.deadline.isoformat()}})


@transaction.atomic
def extend(h: Hazard, *, by: Any, deadline: date, reason: str) -> DeadlineExtension:
    """Move the deadline (延期): staff approve at once; the assignee's request waits for approval."""
    h = _lock(h)
    machine.check("extend", h.state)
    _require("extend", h, by)
    new_deadline = _as_date(deadline, "deadline")
    if new_deadline is None:
        raise ValidationError({"deadline": _("请填写新的整改期限")})
    reason = _text(reason, "reason", _("请填写延期理由"), max_length=300)
    _check_new_deadline(h, new_deadline)
    if DeadlineExtension.objects.filter(hazard_id=h.pk, state=ExtensionState.PENDING).exists():
        raise TransitionRefused(_("已有一项延期申请待审批，请等待审批结果后再申请"))
    staff = has_capability(by, Capability.MANAGE_HAZARDS)
    ext = DeadlineExtension(
        hazard=h,
        old_deadline=h.deadline or new_deadline,
        new_deadline=new_deadline,
        reason=reason,
        requested_by=by if _is_user(by) else None,
        state=ExtensionState.APPROVED if staff else ExtensionState.PENDING,
    )
    if staff:
        ext.decided_by = by if _is_user(by) else None
        ext.decided_at = timezone.now()
        ext.decision_note = _("管理人员直接延期")
    try:
        with transaction.atomic():
            ext.save()
    except IntegrityError as exc:
        raise TransitionRefused(_("已有一项延期申请待审批，请等待审批结果后再申请")) from exc
    data = {
        "extension_id": ext.pk,
        "old_deadline": ext.old_deadline.isoformat(),
        "new_deadline": new_deadline.isoformat(),
    }
    if staff:
        fields = _move_deadline(h, new_deadline)
        h.save(update_fields=[*fields, "updated_at"])
        _event(h, "extend", by=by, from_state=h.state, to_state=h.state, note=reason, data={**data, "approved": True})
    else:
        _event(h, "extend_request", by=by, from_state=h.state, to_state=h.state, note=reason, data=data)
    return ext


@transaction.atomic
def decide_extension(ext: DeadlineExtension, *, by: Any, approve: bool, note: str = "") -> DeadlineExtension:
    """Approve or refuse the assignee's pending request for a later deadline."""
    h = _lock(ext.hazard)
    _require("decide_extension", h, by)
    ext = DeadlineExtension._base_manager.select_for_update().get(pk=ext.pk)
    if ext.state != ExtensionState.PENDING:
        raise TransitionRefused(
            _("该延期申请已处理（%(state)s），不能再次审批") % {"state": ExtensionState(ext.state).label}
        )
    note = (note or "").strip()[:300]
    if approve:
        machine.check("extend", h.state)
        _check_new_deadline(h, ext.new_deadline)
    elif not note:
        raise ValidationError({"note": _("不批准延期时请填写理由")})
    ext.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    ext.decided_by = by if _is_user(by) else None
    ext.decided_at = timezone.now()
    ext.decision_note = note
    ext.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
    data = {
        "extension_id": ext.pk,
        "old_deadline": (h.deadline or ext.old_deadline).isoformat(),
        "new_deadline": ext.new_deadline.isoformat(),
    }
    if approve:
        fields = _move_deadline(h, ext.new_deadline)
        h.save(update_fields=[*fields, "updated_at"])
    action = "extension_approved" if approve else "extension_refused"
    _event(h, action, by=by, from_state=h.state, to_state=h.state, note=note, data=data)
    return ext


# --- supervision, determination, measures, photos -------------------------------------------------


def _require_open(h: Hazard, label: str) -> None:
    if h.state in TERMINAL_STATES:
        raise TransitionRefused(
            _("隐患当前状态为“%(state)s”，不能%(what)s") % {"state": HazardState(h.state).label, "what": label}
        )


@transaction.atomic
def supervise(h: Hazard, *, by: Any, deadline: date, leader: str, unit: str = "", note: str = "") -> Hazard:
    """County supervision (挂牌督办) of a major hazard: its deadline, responsible leader and unit."""
    h = _lock(h)
    _require_open(h, _("挂牌督办"))
    _require("supervise", h, by)
    if h.severity != HazardSeverity.MAJOR:
        raise ValidationError({"severity": _("只有重大事故隐患实行挂牌督办")})
    day = _as_date(deadline, "deadline")
    if day is None:
        raise ValidationError({"deadline": _("请填写督办期限")})
    _not_past(day, "deadline")
    leader = _text(leader, "leader", _("请填写督办责任领导"), max_length=60)
    unit = (unit or "").strip()[:60]
    fields = ["supervision_deadline", "supervision_leader", "supervision_unit"]
    h.supervision_deadline, h.supervision_leader, h.supervision_unit = day, leader, unit
    if not h.supervised:
        h.supervised, h.supervised_at = True, timezone.now()
        fields += ["supervised", "supervised_at"]
    h.save(update_fields=[*fields, "updated_at"])
    data = {"deadline": day.isoformat(), "leader": leader, "unit": unit}
    _event(h, "supervise", by=by, from_state=h.state, to_state=h.state, note=note, data=data)
    return h


@transaction.atomic
def record_determination(h: Hazard, *, by: Any, result: dict[str, Any], major: bool) -> Hazard:
    """Store a GB 35181 / 令第10号 determination; a major result raises the hazard to major."""
    h = _lock(h)
    _require_open(h, _("记录重大隐患判定"))
    _require("determination", h, by)
    h.determination = {**dict(result or {}), "major": bool(major), "recorded_at": timezone.now().isoformat()}
    fields = ["determination"]
    raised = major and h.severity != HazardSeverity.MAJOR
    if raised:
        h.severity = HazardSeverity.MAJOR
        fields.append("severity")
    if major and h.state != HazardState.REPORTED:
        fields += _start_supervision(h, by=by)
    h.save(update_fields=[*fields, "updated_at"])
    _event(
        h, "determination", by=by, from_state=h.state, to_state=h.state, data={"major": bool(major), "raised": raised}
    )
    if raised and h.state != HazardState.REPORTED:
        hazard_id = h.pk
        _after_commit(lambda: _signal_open(hazard_id))
    return h


@transaction.atomic
def set_interim_measures(h: Hazard, *, by: Any, text: str) -> Hazard:
    """Record the interim control measures (管控措施) in force until the hazard is fixed."""
    h = _lock(h)
    _require_open(h, _("修改管控措施"))
    _require("interim_measures", h, by)
    text = (text or "").strip()
    if len(text) > 1000:
        raise ValidationError({"text": _("管控措施过长（最多 1000 字）")})
    if text == h.interim_measures:
        return h
    h.interim_measures = text
    h.save(update_fields=["interim_measures", "updated_at"])
    _event(h, "interim_measures", by=by, from_state=h.state, to_state=h.state, note=text)
    return h


@transaction.atomic
def add_photos(h: Hazard, *, by: Any, files: Iterable[UploadedFile], stage: str) -> list[HazardPhoto]:
    """Add photos at a stage (found, evidence, verification); checked by content, ≤ 10 MB, ≤ 9 at once."""
    h = _lock(h)
    _require_open(h, _("补充照片"))
    _require("photos", h, by)
    if stage not in PhotoStage.values:
        raise ValidationError({"stage": _("照片阶段应为：%(v)s") % {"v": "、".join(PhotoStage.values)}})
    checked = check_photos(files)
    if not checked:
        raise ValidationError({"photos": _("请选择要上传的照片")})
    saved = _save_photos(h, checked, by=by, stage=stage)
    _event(h, "photos", by=by, from_state=h.state, to_state=h.state, data={"stage": stage, "count": len(saved)})
    return saved


# --- one entry for the API and the pages ---------------------------------------------------------


def _user_by_id(value: Any) -> Any:
    from accounts.models import User

    if value in (None, ""):
        return None
    try:
        pk = int(getattr(value, "pk", value))
    except (TypeError, ValueError) as exc:
        raise ValidationError({"assignee_id": _("整改责任人账号编号应为整数")}) from exc
    user = User.objects.filter(pk=pk).select_related("person").first()
    if user is None:
        raise ValidationError({"assignee_id": _("整改责任人账号不存在或不在您的辖区范围内")})
    return user


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on", "approve", "approved"}


def perform(h: Hazard, action: str, *, by: Any, payload: Mapping[str, Any]) -> Hazard:
    """Run an action by name with a body of plain values (from JSON or a form); used by the API and pages."""
    p = dict(payload or {})
    photos = p.get("photos") or ()
    if action in machine.TRANSITIONS:
        # State and role are judged before the body, so a stale click answers 409 and a
        # wrong role 403, whatever the body holds; the action checks both again under its lock.
        current = Hazard._base_manager.get(pk=h.pk)
        machine.check(action, current.state)
        _require(action, current, by)
    if action == "confirm":
        return confirm(h, by=by, severity=p.get("severity") or None, note=str(p.get("note") or ""))
    if action == "reject":
        return reject(h, by=by, reason=str(p.get("reason") or ""))
    if action == "assign":
        return assign(
            h,
            by=by,
            deadline=_as_date(p.get("deadline"), "deadline"),
            assignee=_user_by_id(p.get("assignee_id")),
            department=str(p.get("department") or ""),
            note=str(p.get("note") or ""),
        )
    if action == "start":
        return start(h, by=by)
    if action == "submit":
        return submit(h, by=by, note=str(p.get("note") or ""), photos=photos)
    if action == "verify_pass":
        return verify_pass(h, by=by, note=str(p.get("note") or ""), photos=photos)
    if action == "verify_fail":
        return verify_fail(h, by=by, reason=str(p.get("reason") or ""))
    if action == "close":
        return close(h, by=by, note=str(p.get("note") or ""))
    if action == "extend":
        day = _as_date(p.get("deadline"), "deadline")
        if day is None:
            raise ValidationError({"deadline": _("请填写新的整改期限")})
        extend(h, by=by, deadline=day, reason=str(p.get("reason") or ""))
        return Hazard._base_manager.get(pk=h.pk)
    if action == "supervise":
        day = _as_date(p.get("deadline"), "deadline")
        if day is None:
            raise ValidationError({"deadline": _("请填写督办期限")})
        return supervise(
            h,
            by=by,
            deadline=day,
            leader=str(p.get("leader") or ""),
            unit=str(p.get("unit") or ""),
            note=str(p.get("note") or ""),
        )
    if action == "decide_extension":
        raw_id = str(getattr(p.get("extension_id"), "pk", p.get("extension_id")) or "").strip()
        if raw_id and not raw_id.isdigit():
            raise ValidationError({"extension_id": _("延期申请编号应为整数")})
        requests = DeadlineExtension.objects.filter(hazard_id=h.pk)
        ext = (requests.filter(pk=int(raw_id)) if raw_id else requests.filter(state=ExtensionState.PENDING)).first()
        if ext is None:
            raise TransitionRefused(_("没有待审批的延期申请"))
        if "approve" not in p:
            raise ValidationError({"approve": _("请说明是否批准（approve: true/false）")})
        decide_extension(ext, by=by, approve=_truthy(p.get("approve")), note=str(p.get("note") or ""))
        return Hazard._base_manager.get(pk=h.pk)
    if action == "interim_measures":
        return set_interim_measures(h, by=by, text=str(p.get("text") or p.get("interim_measures") or ""))
    if action == "determination":
        raw_result = p.get("result")
        result: dict[str, Any] = raw_result if isinstance(raw_result, dict) else {}
        return record_determination(h, by=by, result=result, major=_truthy(p.get("major", False)))
    machine.check(action, h.state)  # unknown names: refused with the list of actions
    raise TransitionRefused(_("未知操作“%(action)s”") % {"action": action})  # pragma: no cover
