"""Every change to a warning goes through these functions: draft, issue, update, extend, lift, expire.

Each message after the draft is a `WarningMessage` row with its CAP XML, sent through the
notification core to the recipients frozen at issue time (so update, extension and lifting
reach exactly the people the warning reached). Sending happens in the notification outbox
after commit; nothing here talks to a provider.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.roles import Capability
from audit.choices import ChangeAction
from audit.tracking import record
from earlywarning import notify
from earlywarning.cap import build_cap
from earlywarning.choices import ACTIVE_STATES, Level, MessageType, State
from earlywarning.models import EarlyWarning, WarningKind, WarningMessage, WarningRecipient
from earlywarning.recipients import resolve
from jurisdictions.geometry import validate_geometry
from jurisdictions.models import Jurisdiction
from yingji import actions

DRAFT_FIELDS = (
    "kind",
    "level",
    "title",
    "area_polygon",
    "area_description",
    "starts_at",
    "ends_at",
    "watch_for",
    "measures",
    "issuing_unit",
    "place_kinds",
)
UPDATE_FIELDS = ("level", "title", "area_description", "watch_for", "measures", "ends_at")
# 突发事件应对法(2024) 第六十四条第二款: what a warning must state before it is issued.
REQUIRED_TO_ISSUE = {
    "kind": "预警类别",
    "level": "预警级别",
    "starts_at": "起始时间",
    "area": "可能影响的范围",
    "watch_for": "警示事项",
    "measures": "应当采取的措施",
    "issuing_unit": "发布单位",
    "title": "标题",
}
BULK_BATCH = 1000


def check_colour(kind: WarningKind, level: str, on: Any = None) -> None:
    """Refuse a colour the catalogue does not define for this kind (e.g. 红色霜冻)."""
    if level not in Level.values:
        raise ValidationError({"level": f"未知的预警级别：{level}（可选 red、orange、yellow、blue）"})
    day = timezone.localdate(on) if isinstance(on, datetime) else (on or timezone.localdate())
    allowed = kind.allowed_levels(day)
    if level not in allowed:
        names = "、".join(str(Level(code).label) for code in allowed) or "无"
        raise ValidationError(
            {"level": f"{kind.name}预警没有{Level(level).label}；{day:%Y-%m-%d} 起可用的级别为：{names}"}
        )


def _check_polygon(polygon: Any) -> None:
    if polygon in (None, {}):
        return
    if not isinstance(polygon, dict) or polygon.get("type") != "Polygon":
        raise ValidationError({"area_polygon": "绘制的区域应为 GeoJSON Polygon"})
    try:
        validate_geometry(polygon)
    except ValueError as exc:
        raise ValidationError({"area_polygon": str(exc)}) from exc


def _check_period(warning: EarlyWarning) -> None:
    if warning.starts_at and warning.ends_at and warning.ends_at <= warning.starts_at:
        raise ValidationError({"ends_at": "结束时间须晚于起始时间"})


def _check_place_kinds(place_kinds: Any) -> None:
    if not isinstance(place_kinds, list) or not all(isinstance(code, str) for code in place_kinds):
        raise ValidationError({"place_kinds": "场所类型应为代码列表"})


def _validate_draft(warning: EarlyWarning) -> None:
    check_colour(warning.kind, warning.level, warning.starts_at)
    _check_polygon(warning.area_polygon)
    _check_period(warning)
    _check_place_kinds(warning.place_kinds)


@transaction.atomic
def create_draft(
    *, by: Any, jurisdiction: Jurisdiction, area_nodes: Sequence[Jurisdiction] = (), **fields: Any
) -> EarlyWarning:
    """Save a draft warning; the colour is checked now, completeness only when issuing."""
    actions.require(by, Capability.ISSUE_WARNING)
    warning = EarlyWarning(jurisdiction=jurisdiction, **{k: v for k, v in fields.items() if k in DRAFT_FIELDS})
    if not warning.issuing_unit:
        warning.issuing_unit = f"{jurisdiction.name}应急消防管理站" if jurisdiction.level == "township" else f"{jurisdiction.name}应急管理部门"
    _validate_draft(warning)
    warning.full_clean()
    warning.save()
    warning.area_nodes.set(area_nodes)
    return warning


@transaction.atomic
def update_draft(
    warning: EarlyWarning, *, by: Any, area_nodes: Sequence[Jurisdiction] | None = None, **changes: Any
) -> EarlyWarning:
    actions.require(by, Capability.ISSUE_WARNING)
    warning = actions.locked(warning)
    if warning.state != State.DRAFT:
        raise ValidationError({"state": "预警已发布，不能再按草稿修改；请使用“变更”“延长”或“解除”"})
    changed = actions.apply_changes(warning, {k: v for k, v in changes.items() if k in DRAFT_FIELDS})
    if changed:
        _validate_draft(warning)
        warning.full_clean()
        warning.save(update_fields=[*changed, "updated_at"])
    if area_nodes is not None:
        warning.area_nodes.set(area_nodes)
    return warning


def missing_content(warning: EarlyWarning, has_area: bool) -> dict[str, str]:
    """The 第六十四条 items a warning still lacks, as {field: message}."""
    missing = {}
    for field, label in REQUIRED_TO_ISSUE.items():
        if field == "area":
            empty = not has_area
        elif field == "kind":
            empty = warning.kind_id is None
        else:
            empty = not getattr(warning, field)
        if empty:
            missing[field] = f"发布前须填写{label}（突发事件应对法第六十四条）"
    if not warning.ends_at:
        missing["ends_at"] = "发布前须填写结束时间（预警有效期）"
    return missing


def _message_body(warning: EarlyWarning, msg_type: str, note: str = "") -> str:
    return render_to_string(
        "earlywarning/message.txt", {"warning": warning, "msg_type": msg_type, "note": note, "MessageType": MessageType}
    ).strip()


def _record_message(
    warning: EarlyWarning, *, by: Any, msg_type: str, note: str = "", send: bool = True
) -> WarningMessage:
    """Add a message to the warning's timeline and (unless `send` is False) hand it to the outbox."""
    earlier = list(warning.messages.order_by("sequence"))
    warning.sequence += 1
    warning.save(update_fields=["sequence", "updated_at"])
    now = timezone.now()
    cap_xml = build_cap(warning, msg_type=msg_type, sequence=warning.sequence, sent=now, earlier=earlier)
    body = _message_body(warning, msg_type, note)
    message = WarningMessage.objects.create(
        warning=warning,
        sequence=warning.sequence,
        msg_type=msg_type,
        summary=body,
        sent_by=by if getattr(by, "pk", None) else None,
        cap_xml=cap_xml,
        created_at=now,
    )
    for previous in earlier:
        notify.stop(previous, reason=f"已被第 {warning.sequence} 条消息（{message.get_msg_type_display()}）取代", actor=by)
    if send:
        notification = notify.send(warning, message, actor=by)
        if notification is not None:
            message.notification_id = notification.pk
            message.save(update_fields=["notification_id", "updated_at"])
    return message


@transaction.atomic
def issue(warning: EarlyWarning, *, by: Any) -> EarlyWarning:
    """Issue a draft: check the content, freeze the recipients, send the first message."""
    actions.require(by, Capability.ISSUE_WARNING)
    warning = actions.locked(warning)
    if warning.state != State.DRAFT:
        raise ValidationError({"state": f"只有草稿可以发布（当前状态：{warning.get_state_display()}）"})
    area_nodes = list(warning.area_nodes.all())
    missing = missing_content(warning, has_area=bool(area_nodes or warning.area_polygon))
    if missing:
        raise ValidationError(missing)
    _validate_draft(warning)
    now = timezone.now()
    if warning.ends_at and warning.ends_at <= now:
        raise ValidationError({"ends_at": "结束时间已过，不能发布；请修改有效期"})
    resolution = resolve(warning, area_nodes)
    if not resolution.area_nodes:
        raise ValidationError({"area": "绘制的区域不在您的辖区范围内，请重新选择影响区域"})
    if not resolution.rows:
        raise ValidationError({"area": "该区域内没有找到任何接收人（对应岗位均未任职），请检查影响区域或岗位任职"})
    WarningRecipient.objects.bulk_create(resolution.rows, batch_size=BULK_BATCH)
    if not warning.area_description:
        warning.area_description = "、".join(node.name for node in resolution.area_nodes)[:300]
    warning.state = State.ISSUED
    warning.issued_at = now
    warning.issued_by = by if getattr(by, "pk", None) else None
    warning.policy_code = notify.policy_code_for(warning)
    warning.save(update_fields=["state", "issued_at", "issued_by", "policy_code", "area_description", "updated_at"])
    _record_message(warning, by=by, msg_type=MessageType.ALERT)
    return warning


def _require_active(warning: EarlyWarning, verb: str) -> None:
    if warning.state not in ACTIVE_STATES:
        raise ValidationError({"state": f"只有生效中的预警可以{verb}（当前状态：{warning.get_state_display()}）"})


@transaction.atomic
def update_issued(warning: EarlyWarning, *, by: Any, note: str = "", **changes: Any) -> EarlyWarning:
    """变更: change level or content of an issued warning; a new message to the same recipients."""
    actions.require(by, Capability.ISSUE_WARNING)
    warning = actions.locked(warning)
    _require_active(warning, "变更")
    unknown = set(changes) - set(UPDATE_FIELDS)
    if unknown:
        raise ValidationError({"area": "已发布预警的影响区域和类别不能修改；如需扩大范围请另发预警"})
    changed = actions.apply_changes(warning, changes)
    if not changed:
        raise ValidationError({"__all__": "没有任何变更内容"})
    check_colour(warning.kind, warning.level, warning.starts_at)
    _check_period(warning)
    if not warning.watch_for or not warning.measures or not warning.title:
        raise ValidationError({"measures": "警示事项、应当采取的措施和标题不能为空"})
    warning.state = State.UPDATED
    warning.full_clean()
    warning.save(update_fields=[*changed, "state", "updated_at"])
    _record_message(warning, by=by, msg_type=MessageType.UPDATE, note=note)
    return warning


@transaction.atomic
def extend(warning: EarlyWarning, *, by: Any, ends_at: datetime, note: str = "") -> EarlyWarning:
    """延长: move the end of an issued warning later; a new message to the same recipients."""
    actions.require(by, Capability.ISSUE_WARNING)
    warning = actions.locked(warning)
    _require_active(warning, "延长")
    if warning.ends_at and ends_at <= warning.ends_at:
        local = timezone.localtime(warning.ends_at)
        raise ValidationError({"ends_at": f"延长后的结束时间须晚于原结束时间（{local:%Y-%m-%d %H:%M}）"})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": "延长后的结束时间须晚于当前时间"})
    warning.ends_at = ends_at
    warning.state = State.EXTENDED
    warning.save(update_fields=["ends_at", "state", "updated_at"])
    _record_message(warning, by=by, msg_type=MessageType.EXTEND, note=note)
    return warning


@transaction.atomic
def lift(warning: EarlyWarning, *, by: Any, reason: str = "") -> EarlyWarning:
    """解除 (第七十条): end the warning now; a lifting message to the same recipients."""
    actions.require(by, Capability.ISSUE_WARNING)
    warning = actions.locked(warning)
    _require_active(warning, "解除")
    warning.state = State.LIFTED
    warning.lifted_at = timezone.now()
    warning.save(update_fields=["state", "lifted_at", "updated_at"])
    _record_message(warning, by=by, msg_type=MessageType.LIFT, note=reason)
    return warning


@transaction.atomic
def expire(warning: EarlyWarning, *, now: datetime | None = None) -> EarlyWarning:
    """Mark an active warning expired at its end time and stop its escalations (system work)."""
    warning = actions.locked(warning)
    now = now or timezone.now()
    if warning.state not in ACTIVE_STATES or warning.ends_at is None or warning.ends_at > now:
        return warning
    warning.state = State.EXPIRED
    warning.save(update_fields=["state", "updated_at"])
    _record_message(warning, by=None, msg_type=MessageType.EXPIRE, send=False)
    return warning


@transaction.atomic
def set_level_policy(level_policy: Any, *, by: Any, policy_code: str) -> Any:
    """Change which escalation policy a level uses (county rule table)."""
    actions.require(by, Capability.CONFIGURE_RULES)
    level_policy = actions.locked(level_policy)
    if level_policy.policy_code == policy_code:
        return level_policy
    level_policy.policy_code = policy_code
    level_policy.full_clean()
    level_policy.save(update_fields=["policy_code", "updated_at"])
    return level_policy


@transaction.atomic
def set_kind_recipients(kind: WarningKind, *, by: Any, position_kinds: Sequence[Any]) -> WarningKind:
    """Change which position kinds a warning kind reaches (county rule table); audited on the kind."""
    actions.require(by, Capability.CONFIGURE_RULES)
    kind = actions.locked(kind)
    wanted = {p.code for p in position_kinds}
    current = set(kind.position_kinds.values_list("code", flat=True))
    if wanted == current:
        return kind
    kind.position_kinds.set(position_kinds)
    # A many-to-many change is not a field save, so the change log row is written here.
    record(kind, ChangeAction.UPDATE, {"position_kinds": sorted(current)}, {"position_kinds": sorted(wanted)})
    kind.save(update_fields=["updated_at"])
    return kind
