"""Every change to a checklist: drafts are edited, published versions never are.

`new_version` copies a published version into a draft of the same lineage; `publish`
makes the draft active and marks the previous active version superseded. Inspections
keep a key to the version they walked, so publishing never rewrites history. Nothing is
deleted except an item of a draft (a draft has never been walked); whole versions are
archived.

Who may edit: `EDIT_CHECKLISTS`, and then by node: county-wide lists (no jurisdiction) only
a county administrator (a user at the county node) or a superuser; a local list a user
whose subtree contains its node.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability, has_capability
from checklists.models import Checklist, ChecklistItem, ChecklistLevel, ChecklistStatus, Department
from hazards.choices import HazardCategory, HazardType
from places.choices import PlaceCategory
from yingji.actions import apply_changes, archive, locked, require

CHECKLIST_FIELDS = ("name", "place_kinds", "place_category", "industry", "is_generic", "effective_from", "source_note")
ITEM_FIELDS = (
    "matter",
    "content",
    "department",
    "level",
    "frequency",
    "frequency_days",
    "rule_refs",
    "hazard_type",
    "category",
    "major_if_failed",
    "requires_photo",
)
MAX_ITEMS = 300
_LINEAGE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


# --- permissions -------------------------------------------------------------------------------


def _user_path(user: Any) -> str:
    return getattr(user, "jurisdiction_path", "") or ""


def is_county_user(user: Any) -> bool:
    """A user at the county node (one code on the path), or a superuser."""
    if getattr(user, "is_superuser", False):
        return True
    path = _user_path(user)
    return bool(path) and path.count("/") == 2


def can_edit(user: Any, checklist: Checklist) -> bool:
    """May `user` edit lists of this checklist's node (see module doc)?"""
    if not has_capability(user, Capability.EDIT_CHECKLISTS):
        return False
    if getattr(user, "is_superuser", False):
        return True
    if checklist.jurisdiction_id is None:
        return is_county_user(user)
    path = _user_path(user)
    return bool(path) and checklist.jurisdiction_path.startswith(path)


def require_edit(user: Any, checklist: Checklist) -> None:
    require(user, Capability.EDIT_CHECKLISTS)
    if not can_edit(user, checklist):
        if checklist.jurisdiction_id is None:
            raise PermissionDenied(_("全县通用清单只能由县级管理员修改；乡镇可在本辖区新建本地清单。"))
        raise PermissionDenied(_("只能修改本辖区的检查清单。"))


def _require_draft(checklist: Checklist) -> None:
    if checklist.archived_at is not None:
        raise ValidationError(_("该清单已归档，不能修改。"))
    if checklist.status != ChecklistStatus.DRAFT:
        raise ValidationError(_("已发布的清单不能直接修改，请先“生成新版本”，在草稿中修改后再发布。"))


# --- validation --------------------------------------------------------------------------------


def clean_rule_refs(value: Any) -> list[dict[str, str]]:
    """A list of {"code", "label"}; a bare string is a code with no label."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError({"rule_refs": _("依据条款应为列表，每项包含 code 和 label。")})
    refs: list[dict[str, str]] = []
    for entry in value:
        if isinstance(entry, str):
            entry = {"code": entry, "label": ""}
        if not isinstance(entry, dict) or not str(entry.get("code", "")).strip():
            raise ValidationError({"rule_refs": _("每条依据须有条款代码（code），如 GB35181-2017:6.6。")})
        refs.append({"code": str(entry["code"]).strip()[:80], "label": str(entry.get("label", "") or "").strip()[:200]})
    return refs


def _clean_kinds(codes: Any) -> list[str]:
    from places.models import PlaceKind

    if codes in (None, ""):
        return []
    if isinstance(codes, str):
        codes = [c for c in re.split(r"[\s,，、;；]+", codes) if c]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ValidationError({"place_kinds": _("适用场所类型应为场所类型代码列表。")})
    codes = sorted(set(codes))
    known = set(PlaceKind.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"place_kinds": _("未知的场所类型代码：%(codes)s") % {"codes": "、".join(unknown)}})
    return list(codes)


def _clean_checklist_values(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in values.items() if k in CHECKLIST_FIELDS}
    if "name" in cleaned:
        cleaned["name"] = str(cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise ValidationError({"name": _("请填写清单名称。")})
    if "place_kinds" in cleaned:
        cleaned["place_kinds"] = _clean_kinds(cleaned["place_kinds"])
    if cleaned.get("place_category") and cleaned["place_category"] not in PlaceCategory.values:
        raise ValidationError({"place_category": _("未知的场所大类：%(code)s") % {"code": cleaned["place_category"]}})
    for key in ("industry", "source_note", "place_category"):
        if key in cleaned:
            cleaned[key] = str(cleaned[key] or "").strip()
    if "is_generic" in cleaned:
        cleaned["is_generic"] = bool(cleaned["is_generic"])
    return cleaned


def _clean_item_values(values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned = {k: v for k, v in values.items() if k in ITEM_FIELDS}
    errors: dict[str, str] = {}
    for key in ("matter", "content"):
        if key in cleaned or not partial:
            cleaned[key] = str(cleaned.get(key) or "").strip()
            if not cleaned[key]:
                errors[key] = _("请填写检查事项。") if key == "matter" else _("请填写检查内容。")
    if len(cleaned.get("matter", "")) > 100:
        errors["matter"] = _("检查事项不超过 100 字，详细要求写在检查内容里。")
    choices = {
        "department": Department.values,
        "level": ChecklistLevel.values,
        "hazard_type": HazardType.values,
        "category": HazardCategory.values,
    }
    for key, allowed in choices.items():
        if key in cleaned and cleaned[key] not in (None, "") and cleaned[key] not in allowed:
            errors[key] = _("取值“%(value)s”无效，可选：%(allowed)s") % {
                "value": cleaned[key],
                "allowed": "、".join(allowed),
            }
    for key, default in (("hazard_type", HazardType.FIRE), ("category", HazardCategory.UNSAFE_CONDITION)):
        if key in cleaned and not cleaned[key]:
            cleaned[key] = default
    if "frequency" in cleaned:
        cleaned["frequency"] = str(cleaned["frequency"] or "").strip()[:40]
    if cleaned.get("frequency_days") is not None:
        days = cleaned["frequency_days"]
        if not isinstance(days, int) or not 1 <= days <= 3660:
            errors["frequency_days"] = _("频次天数应为 1 到 3660 之间的整数。")
    if errors:
        raise ValidationError(errors)
    if "rule_refs" in cleaned:
        cleaned["rule_refs"] = clean_rule_refs(cleaned["rule_refs"])
    for key in ("major_if_failed", "requires_photo"):
        if key in cleaned:
            cleaned[key] = bool(cleaned[key])
    return cleaned


def _check_jurisdiction(user: Any, jurisdiction: Any) -> None:
    if jurisdiction is None:
        if not is_county_user(user):
            raise PermissionDenied(_("全县通用清单只能由县级管理员新建；请选择本辖区作为适用辖区。"))
        return
    path = _user_path(user)
    if not getattr(user, "is_superuser", False) and not (path and jurisdiction.path.startswith(path)):
        raise PermissionDenied(_("只能为本辖区新建检查清单。"))
    if jurisdiction.level not in ("county", "township"):
        raise ValidationError({"jurisdiction": _("本地清单只能按县或乡镇（街道）制定。")})


def _new_lineage() -> str:
    return f"list-{uuid.uuid4().hex[:16]}"


# --- checklists --------------------------------------------------------------------------------


@transaction.atomic
def create_checklist(*, by: Any, jurisdiction: Any = None, lineage: str = "", **values: Any) -> Checklist:
    """A new lineage, version 1, as a draft (publish it to take effect)."""
    require(by, Capability.EDIT_CHECKLISTS)
    _check_jurisdiction(by, jurisdiction)
    cleaned = _clean_checklist_values(values)
    if "name" not in cleaned:
        raise ValidationError({"name": _("请填写清单名称。")})
    if lineage:
        if not _LINEAGE_RE.match(lineage):
            raise ValidationError({"lineage": _("清单编号只能包含小写字母、数字、- 和 _，不超过 40 位。")})
        if Checklist.unscoped.filter(lineage=lineage).exists():
            raise ValidationError({"lineage": _("清单编号“%(code)s”已被使用。") % {"code": lineage}})
    cleaned.setdefault("effective_from", timezone.localdate())
    checklist = Checklist(
        lineage=lineage or _new_lineage(),
        version=1,
        status=ChecklistStatus.DRAFT,
        jurisdiction=jurisdiction,
        **cleaned,
    )
    checklist.full_clean()
    checklist.save()
    return checklist


@transaction.atomic
def update_checklist(checklist: Checklist, *, by: Any, **values: Any) -> Checklist:
    """Change the header of a draft (name, what it applies to, effective date, source note)."""
    require_edit(by, checklist)
    checklist = locked(checklist)
    _require_draft(checklist)
    changed = apply_changes(checklist, _clean_checklist_values(values))
    if changed:
        checklist.full_clean()
        checklist.save(update_fields=[*changed, "updated_at"])
    return checklist


def draft_of(checklist: Checklist) -> Checklist | None:
    """The open draft of a checklist's lineage, if any."""
    return (
        Checklist.unscoped.filter(lineage=checklist.lineage, status=ChecklistStatus.DRAFT, archived_at__isnull=True)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def new_version(checklist: Checklist, by: Any) -> Checklist:
    """Copy a published version (with its items) into the next draft of its lineage.

    Refused when the lineage already has an open draft: two drafts would race to publish.
    """
    require_edit(by, checklist)
    source = locked(checklist)
    if source.archived_at is not None:
        raise ValidationError(_("该清单已归档，不能生成新版本。"))
    if source.status == ChecklistStatus.DRAFT:
        raise ValidationError(_("这已经是草稿，可直接修改。"))
    existing = draft_of(source)
    if existing is not None:
        raise ValidationError(
            _("该清单已有未发布的草稿（第%(version)s版），请先修改并发布或归档该草稿。") % {"version": existing.version}
        )
    top = Checklist.unscoped.filter(lineage=source.lineage).aggregate(v=Max("version"))["v"] or source.version
    draft = Checklist(
        lineage=source.lineage,
        version=top + 1,
        status=ChecklistStatus.DRAFT,
        supersedes=source,
        jurisdiction=source.jurisdiction,
        effective_from=max(timezone.localdate(), source.effective_from),
        **{k: getattr(source, k) for k in CHECKLIST_FIELDS if k != "effective_from"},
    )
    draft.save()
    for item in source.items.all():
        ChecklistItem.objects.create(checklist=draft, order=item.order, **{k: getattr(item, k) for k in ITEM_FIELDS})
    return draft


@transaction.atomic
def publish(draft: Checklist, by: Any, *, effective_from: datetime.date | None = None) -> Checklist:
    """Make a draft the active version; the lineage's previous active version becomes superseded.

    A future `effective_from` is allowed: until that day `services.checklist_for` still
    returns the previous version (it is superseded but still the one in force).
    """
    require_edit(by, draft)
    draft = locked(draft)
    _require_draft(draft)
    if not draft.items.exists():
        raise ValidationError(_("清单没有检查项，不能发布。"))
    effective_from = effective_from or draft.effective_from
    previous = list(
        Checklist.unscoped.select_for_update().filter(
            lineage=draft.lineage, status=ChecklistStatus.ACTIVE, archived_at__isnull=True
        )
    )
    for old in previous:
        if effective_from < old.effective_from:
            raise ValidationError(
                {
                    "effective_from": _("生效日期不能早于现行版本（第%(version)s版）的生效日期 %(date)s。")
                    % {"version": old.version, "date": old.effective_from.isoformat()}
                }
            )
    for old in previous:
        old.status = ChecklistStatus.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
    draft.status = ChecklistStatus.ACTIVE
    draft.effective_from = effective_from
    draft.published_at = timezone.now()
    draft.published_by = by if getattr(by, "pk", None) else None
    draft.save(update_fields=["status", "effective_from", "published_at", "published_by", "updated_at"])
    return draft


@transaction.atomic
def archive_checklist(checklist: Checklist, *, by: Any, reason: str) -> Checklist:
    """Withdraw a version (a draft abandoned, or a list no longer used). Inspections keep it."""
    require_edit(by, checklist)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写归档原因。")})
    result: Checklist = archive(locked(checklist), by=by, reason=reason.strip())
    return result


# --- items -------------------------------------------------------------------------------------


@transaction.atomic
def add_item(checklist: Checklist, *, by: Any, order: int | None = None, **values: Any) -> ChecklistItem:
    require_edit(by, checklist)
    checklist = locked(checklist)
    _require_draft(checklist)
    if checklist.items.count() >= MAX_ITEMS:
        raise ValidationError(_("一份清单最多 %(n)s 项，请拆分成几份清单。") % {"n": MAX_ITEMS})
    cleaned = _clean_item_values(values, partial=False)
    if order is None:
        order = (checklist.items.aggregate(m=Max("order"))["m"] or 0) + 1
    item = ChecklistItem(checklist=checklist, order=order, **cleaned)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def update_item(item: ChecklistItem, *, by: Any, **values: Any) -> ChecklistItem:
    require_edit(by, item.checklist)
    _require_draft(item.checklist)
    item = locked(item)
    cleaned = _clean_item_values(values, partial=True)
    if "order" in values and values["order"] is not None:
        cleaned["order"] = int(values["order"])
    changed = apply_changes(item, cleaned)
    if changed:
        item.full_clean()
        item.save(update_fields=[*changed, "updated_at"])
    return item


@transaction.atomic
def remove_item(item: ChecklistItem, *, by: Any) -> None:
    """Drop an item from a draft (a draft was never walked, so nothing refers to its items)."""
    require_edit(by, item.checklist)
    _require_draft(item.checklist)
    for relation in ChecklistItem._meta.related_objects:
        related = relation.related_model
        if isinstance(related, type) and related._base_manager.filter(**{relation.field.name: item}).exists():
            raise ValidationError(_("该检查项已被检查记录引用，不能删除；请保留或修改其内容。"))
    locked(item).delete()


@transaction.atomic
def reorder_items(checklist: Checklist, *, by: Any, item_ids: Sequence[int]) -> list[ChecklistItem]:
    """Number the draft's items 1..n in the given order (ids must be exactly the draft's items)."""
    require_edit(by, checklist)
    checklist = locked(checklist)
    _require_draft(checklist)
    items = {item.pk: item for item in checklist.items.all()}
    if sorted(item_ids) != sorted(items) or len(set(item_ids)) != len(item_ids):
        raise ValidationError(_("排序须包含本清单的全部检查项，且每项只出现一次。"))
    for position, pk in enumerate(item_ids, start=1):
        item = items[pk]
        if item.order != position:
            item.order = position
            item.save(update_fields=["order", "updated_at"])
    return [items[pk] for pk in item_ids]


def move_item(item: ChecklistItem, *, by: Any, up: bool) -> list[ChecklistItem]:
    """Swap an item with its neighbour (the ↑/↓ buttons of the draft editor)."""
    ids = list(item.checklist.items.order_by("order", "id").values_list("pk", flat=True))
    index = ids.index(item.pk)
    target = index - 1 if up else index + 1
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return reorder_items(item.checklist, by=by, item_ids=ids)


@transaction.atomic
def replace_items(checklist: Checklist, *, by: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Replace a draft's items by `rows` (the Excel import); all or none."""
    require_edit(by, checklist)
    checklist = locked(checklist)
    _require_draft(checklist)
    cleaned = [_clean_item_values(row, partial=False) for row in rows]
    for item in list(checklist.items.all()):
        item.delete()
    for order, values in enumerate(cleaned, start=1):
        ChecklistItem.objects.create(checklist=checklist, order=order, **values)
    return len(cleaned)
