"""Every change to places, their kinds, photos and linked accounts goes through these functions.

Each checks the actor's capability, locks the row, validates with messages that say what
to fix, saves only what changed, and leaves the audit trail (`history_of`). Views, the
API, the Excel importer and the demo all call them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Capability, Role
from jurisdictions.models import Jurisdiction
from people.validators import validate_mobile
from places import locating
from places.choices import LocationSource, OccupancyStatus
from places.coords import CoordSystem, out_of_china, to_wgs84
from places.models import Place, PlaceAccount, PlaceKind, PlacePhoto
from places.validators import normalize_credit_code, validate_credit_code
from yingji import actions

MOBILE_FIELDS = ("legal_rep_mobile", "fire_responsible_mobile", "fire_manager_mobile")
CONTACT_FIELDS = ("legal_rep_name", "legal_rep_mobile", "fire_responsible_name", "fire_responsible_mobile",
                  "fire_manager_name", "fire_manager_mobile")
SIZE_FIELDS = ("floor_area", "floors", "building_height", "employees", "beds", "rooms", "seats", "has_dormitory")
# What an enterprise user may change on their own place: who answers for it and how big it is.
ENTERPRISE_EDITABLE = frozenset(CONTACT_FIELDS + SIZE_FIELDS)
PLACE_FIELDS = (
    "name", "kind", "credit_code", "address", *CONTACT_FIELDS, *SIZE_FIELDS,
    "stores_hazardous_goods", "is_key_unit", "tags", "note",
)
MAX_TAGS = 20
MAX_TAG_LENGTH = 20
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
PHOTOS_PER_PLACE = 30


# --- who may change what ----------------------------------------------------------------


def is_linked(user: Any, place: Place) -> bool:
    if getattr(user, "pk", None) is None:
        return False
    return PlaceAccount.objects.filter(place_id=place.pk, user_id=user.pk).exists()


def editable_fields(user: Any, place: Place | None) -> frozenset[str]:
    """The fields `user` may change on `place` (all with EDIT_REGISTRY; contacts and size for its linked enterprise user)."""
    if user is not None and user.can(Capability.EDIT_REGISTRY):
        return frozenset(PLACE_FIELDS) | {"jurisdiction"}
    if place is not None and getattr(user, "role", "") == Role.ENTERPRISE_USER and is_linked(user, place):
        return ENTERPRISE_EDITABLE
    return frozenset()


def _require_fields(user: Any, place: Place | None, fields: set[str]) -> None:
    allowed = editable_fields(user, place)
    if not allowed:
        actions.require(user, Capability.EDIT_REGISTRY)
    refused = sorted(fields - allowed)
    if refused:
        labels = "、".join(field_label(f) for f in refused)
        raise PermissionDenied(_("当前账号只能修改本单位的责任人、联系方式和规模信息，不能修改：%(fields)s") % {"fields": labels})


def field_label(name: str) -> str:
    field = Place._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


# --- cleaning ---------------------------------------------------------------------------


def clean_tags(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value.replace("，", ",").replace("、", ",").replace("；", ",").split(",") if isinstance(value, str) else list(value)
    tags: list[str] = []
    for item in items:
        tag = str(item).strip()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError({"tags": _("标签“%(tag)s”过长，每个标签不超过 %(n)d 字") % {"tag": tag, "n": MAX_TAG_LENGTH}})
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": _("标签最多 %(n)d 个") % {"n": MAX_TAGS}})
    return tags


def _clean_values(changes: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check the fields the model cannot check itself; errors keyed by field."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(changes)
    for name in ("name", "address", *CONTACT_FIELDS):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "credit_code" in cleaned:
        code = normalize_credit_code(cleaned["credit_code"] or "")
        cleaned["credit_code"] = code
        if code:
            try:
                validate_credit_code(code)
            except ValidationError as exc:
                errors["credit_code"] = exc.messages
    for name in MOBILE_FIELDS:
        value = cleaned.get(name)
        if value:
            value = value.replace(" ", "").replace("-", "")
            cleaned[name] = value
            try:
                validate_mobile(value)
            except ValidationError as exc:
                errors[name] = exc.messages
    for name in ("floor_area", "building_height"):
        value = cleaned.get(name)
        if value not in (None, ""):
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                errors[name] = [_("应为数字")]
                continue
            if number < 0:
                errors[name] = [_("不能为负数")]
            cleaned[name] = number.quantize(Decimal("0.1"))
        elif name in cleaned:
            cleaned[name] = None
    if "tags" in cleaned:
        try:
            cleaned["tags"] = clean_tags(cleaned["tags"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    kind = cleaned.get("kind")
    if kind is not None and not kind.active:
        errors["kind"] = [_("场所类型“%(name)s”已停用，请选择其他类型") % {"name": kind.name}]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_unique_credit_code(place: Place) -> None:
    if not place.credit_code:
        return
    others = Place.unscoped.active().filter(credit_code=place.credit_code).exclude(pk=place.pk)
    other = others.only("id", "name", "jurisdiction_path").first()
    if other is None:
        return
    visible = Place.objects.filter(pk=other.pk).exists()
    where = _("（%(name)s）") % {"name": other.name} if visible else _("（在其他辖区）")
    raise ValidationError({"credit_code": _("该统一社会信用代码已登记为另一个场所%(where)s；同一单位请勿重复登记") % {"where": where}})


# --- location ---------------------------------------------------------------------------


def resolve_location(
    *,
    lng: float | None,
    lat: float | None,
    coord_system: str = CoordSystem.WGS84,
    jurisdiction: Jurisdiction | None = None,
    override_reason: str = "",
    index: locating.BoundaryIndex | None = None,
) -> tuple[float | None, float | None, Jurisdiction, str, str]:
    """(lng, lat, jurisdiction, location_source, reason) for what the user entered.

    - a point and no override reason: the point decides (point-in-polygon); a chosen
      jurisdiction is only a cross-check and must contain the point;
    - an override reason: the chosen jurisdiction wins (人工落格), whatever the point;
    - no point: the chosen jurisdiction (location_source=none).
    """
    override_reason = (override_reason or "").strip()
    if (lng is None) != (lat is None):
        raise ValidationError({"lat" if lat is None else "lng": _("经度和纬度要同时填写，或同时留空")})
    if lng is not None and lat is not None:
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise ValidationError({"lng": _("经纬度超出范围：经度在 -180～180，纬度在 -90～90；请核对是否填反")})
        if coord_system not in CoordSystem.values:
            raise ValidationError({"coord_system": _("坐标系应为 wgs84、gcj02 或 bd09")})
        if out_of_china(lng, lat):
            raise ValidationError({"lng": _("坐标不在中国境内；请核对经纬度是否填反（象山县约为经度 121.9、纬度 29.4）")})
        lng, lat = to_wgs84(lng, lat, coord_system)
    if override_reason:
        if jurisdiction is None:
            raise ValidationError({"jurisdiction": _("人工指定落格时请选择所属辖区")})
        return lng, lat, jurisdiction, LocationSource.MANUAL, override_reason[:200]
    if lng is None or lat is None:
        if jurisdiction is None:
            raise ValidationError({"jurisdiction": _("没有坐标时请选择所属辖区（网格或村社区）")})
        return None, None, jurisdiction, LocationSource.UNLOCATED, ""
    found = locating.locate(lng, lat, index=index)
    if jurisdiction is not None and not found.path.startswith(jurisdiction.path):
        raise ValidationError(
            {
                "jurisdiction": _(
                    "坐标位于“%(found)s”，与所选辖区“%(chosen)s”不一致；请核对坐标，或填写人工落格原因后按所选辖区登记"
                )
                % {"found": found.name, "chosen": jurisdiction.name}
            }
        )
    return lng, lat, found, LocationSource.POINT_IN_POLYGON, ""


# --- places -----------------------------------------------------------------------------


@transaction.atomic
def create_place(
    *,
    by: Any,
    kind: PlaceKind,
    name: str,
    address: str,
    jurisdiction: Jurisdiction | None = None,
    lng: float | None = None,
    lat: float | None = None,
    coord_system: str = CoordSystem.WGS84,
    override_reason: str = "",
    index: locating.BoundaryIndex | None = None,
    **fields: Any,
) -> Place:
    """Register a place; its jurisdiction comes from its point unless overridden (see `resolve_location`)."""
    actions.require(by, Capability.EDIT_REGISTRY)
    values = _clean_values({"kind": kind, "name": name, "address": address, **{k: v for k, v in fields.items() if k in PLACE_FIELDS}})
    lng, lat, node, source, reason = resolve_location(
        lng=lng, lat=lat, coord_system=coord_system, jurisdiction=jurisdiction, override_reason=override_reason, index=index
    )
    place = Place(jurisdiction=node, lng=lng, lat=lat, location_source=source, location_override_reason=reason, **values)
    place.full_clean()
    _check_unique_credit_code(place)
    place.save()
    return place


LOCATION_KEYS = ("lng", "lat", "coord_system", "jurisdiction", "override_reason")


@transaction.atomic
def update_place(place: Place, *, by: Any, index: locating.BoundaryIndex | None = None, **changes: Any) -> Place:
    """Change a place's fields; location keys (lng, lat, coord_system, jurisdiction, override_reason) go to `set_location`."""
    location = {k: changes.pop(k) for k in LOCATION_KEYS if k in changes}
    fields = {k: v for k, v in changes.items() if k in PLACE_FIELDS}
    _require_fields(by, place, set(fields) | ({"jurisdiction"} if location else set()))
    place = actions.locked(place)
    if location:
        place = _relocate(place, index=index, **location)
    if not fields:
        return place
    changed = actions.apply_changes(place, _clean_values(fields))
    if not changed:
        return place
    place.full_clean()
    if "credit_code" in changed:
        _check_unique_credit_code(place)
    place.save(update_fields=[*changed, "updated_at"])
    return place


def _relocate(
    place: Place,
    *,
    lng: Any = ...,
    lat: Any = ...,
    coord_system: str = CoordSystem.WGS84,
    jurisdiction: Jurisdiction | None = None,
    override_reason: str | None = None,
    index: locating.BoundaryIndex | None = None,
) -> Place:
    new_lng = place.lng if lng is ... else lng
    new_lat = place.lat if lat is ... else lat
    moved = lng is not ... or lat is not ...
    system = coord_system if moved else CoordSystem.WGS84
    reason = override_reason
    if reason is None:
        # Moving the point re-assigns the grid, unless a person decided the grid (人工落格).
        reason = place.location_override_reason if place.location_source == LocationSource.MANUAL else ""
    chosen = jurisdiction
    if chosen is None and (reason or new_lng is None):
        chosen = place.jurisdiction
    new_lng, new_lat, node, source, reason = resolve_location(
        lng=new_lng, lat=new_lat, coord_system=system, jurisdiction=chosen, override_reason=reason or "", index=index
    )
    changed = actions.apply_changes(
        place,
        {"lng": new_lng, "lat": new_lat, "jurisdiction": node, "location_source": source, "location_override_reason": reason},
    )
    if changed:
        if "jurisdiction" in changed:
            changed.append("jurisdiction_path")
        place.save(update_fields=[*changed, "updated_at"])
    return place


@transaction.atomic
def set_location(
    place: Place,
    *,
    by: Any,
    lng: float | None,
    lat: float | None,
    coord_system: str = CoordSystem.WGS84,
    jurisdiction: Jurisdiction | None = None,
    override_reason: str = "",
) -> Place:
    """Set the point; with a reason, pin the jurisdiction by hand; without one, the point decides again."""
    actions.require(by, Capability.EDIT_REGISTRY)
    place = actions.locked(place)
    return _relocate(
        place, lng=lng, lat=lat, coord_system=coord_system, jurisdiction=jurisdiction, override_reason=override_reason
    )


@transaction.atomic
def override_jurisdiction(place: Place, *, by: Any, jurisdiction: Jurisdiction, reason: str) -> Place:
    """Pin a place to a jurisdiction by hand (人工落格); a reason is required."""
    actions.require(by, Capability.EDIT_REGISTRY)
    if not (reason or "").strip():
        raise ValidationError({"override_reason": _("人工指定所属辖区时请填写原因，例如“坐标在边界上，实际归属某网格”")})
    place = actions.locked(place)
    return _relocate(place, jurisdiction=jurisdiction, override_reason=reason)


@transaction.atomic
def archive_place(place: Place, *, by: Any, reason: str) -> Place:
    actions.require(by, Capability.EDIT_REGISTRY)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写归档原因，例如“已注销”“重复登记”")})
    return actions.archive(actions.locked(place), by=by, reason=reason.strip())


@transaction.atomic
def restore_place(place: Place, *, by: Any) -> Place:
    actions.require(by, Capability.EDIT_REGISTRY)
    place = actions.locked(place)
    if place.archived_at is not None and place.credit_code:
        _check_unique_credit_code(place)
    return actions.restore(place, by=by)


@transaction.atomic
def set_occupancy_status(place: Place, *, by: Any, status: str) -> Place:
    """营业/停业/拆除. A demolished place stays on record (and may be archived separately)."""
    actions.require(by, Capability.EDIT_REGISTRY)
    if status not in OccupancyStatus.values:
        raise ValidationError({"occupancy_status": _("经营状态应为：营业、停业或拆除")})
    place = actions.locked(place)
    if place.occupancy_status == status:
        return place
    place.occupancy_status = status
    place.save(update_fields=["occupancy_status", "updated_at"])
    return place


# --- photos -----------------------------------------------------------------------------


def sniff_image(head: bytes) -> str | None:
    """The image type from the file's first bytes (not its name or the browser's claim)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@transaction.atomic
def add_photo(place: Place, *, by: Any, upload: UploadedFile, caption: str = "") -> PlacePhoto:
    _require_photo_right(by, place)
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"image": _("照片文件是空的，请重新选择")})
    if size > PHOTO_MAX_BYTES:
        raise ValidationError({"image": _("照片过大（%(mb).1f MB），单张不超过 %(max)d MB；请压缩后上传") % {"mb": size / 1048576, "max": PHOTO_MAX_BYTES // 1048576}})
    upload.seek(0)
    content_type = sniff_image(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise ValidationError({"image": _("只能上传 JPG、PNG 或 WebP 格式的照片")})
    if place.photos.count() >= PHOTOS_PER_PLACE:
        raise ValidationError({"image": _("每个场所最多保存 %(n)d 张照片，请先删除不需要的照片") % {"n": PHOTOS_PER_PLACE}})
    upload.name = f"photo{PHOTO_TYPES[content_type]}"
    photo = PlacePhoto(
        place=place, image=upload, content_type=content_type, size=size, caption=(caption or "").strip()[:100],
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    photo.save()
    return photo


@transaction.atomic
def remove_photo(photo: PlacePhoto, *, by: Any) -> None:
    _require_photo_right(by, photo.place)
    storage, name = photo.image.storage, photo.image.name
    photo.delete()
    transaction.on_commit(lambda: storage.delete(name) if name else None)


def _require_photo_right(user: Any, place: Place) -> None:
    if user.can(Capability.EDIT_REGISTRY):
        return
    if getattr(user, "role", "") == Role.ENTERPRISE_USER and is_linked(user, place):
        return
    actions.require(user, Capability.EDIT_REGISTRY)


# --- linked accounts --------------------------------------------------------------------


@transaction.atomic
def link_account(place: Place, *, by: Any, user: Any) -> PlaceAccount:
    """Let an enterprise user see and maintain this place (账号关联)."""
    actions.require(by, Capability.MANAGE_USERS)
    if getattr(user, "role", "") != Role.ENTERPRISE_USER:
        raise ValidationError({"user": _("只能关联“企业用户”角色的账号")})
    if not place.jurisdiction_path.startswith(user.jurisdiction_path or "\0"):
        raise ValidationError({"user": _("该账号的辖区不包含此场所，企业用户只能关联其辖区内的场所")})
    link, _created = PlaceAccount.objects.get_or_create(place=place, user=user)
    return link


@transaction.atomic
def unlink_account(place: Place, *, by: Any, user: Any) -> None:
    actions.require(by, Capability.MANAGE_USERS)
    for link in PlaceAccount.objects.filter(place=place, user=user):
        link.delete()


# --- kinds (taxonomy) -------------------------------------------------------------------

KIND_FIELDS = (
    "code", "name", "category", "industry", "staffing_group", "is_small_place", "is_crowded",
    "is_public_gathering", "thresholds", "description", "sort_order", "active",
)


@transaction.atomic
def create_kind(*, by: Any, **fields: Any) -> PlaceKind:
    actions.require(by, Capability.CONFIGURE_RULES)
    kind = PlaceKind(**{k: v for k, v in fields.items() if k in KIND_FIELDS})
    kind.full_clean()
    kind.save()
    return kind


@transaction.atomic
def update_kind(kind: PlaceKind, *, by: Any, **changes: Any) -> PlaceKind:
    actions.require(by, Capability.CONFIGURE_RULES)
    kind = actions.locked(kind)
    changes.pop("code", None)  # codes are what ledgers and other apps refer to: fixed once created
    changed = actions.apply_changes(kind, {k: v for k, v in changes.items() if k in KIND_FIELDS})
    if not changed:
        return kind
    kind.full_clean()
    kind.save(update_fields=[*changed, "updated_at"])
    return kind


@transaction.atomic
def set_kind_active(kind: PlaceKind, *, by: Any, active: bool) -> PlaceKind:
    """Deactivate (or reactivate) a kind: existing places keep it, new places cannot choose it."""
    return update_kind(kind, by=by, active=active)
