"""JSON API of the notifications app (通知与叫应): notifications, deliveries, acknowledgements, policies, group channels."""

import hmac
import json
import logging
from datetime import datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from notifications import actions, services
from notifications.choices import AckVia, ChannelChoice, FinalAction, TargetKind
from notifications.conf import inbound_sms_token
from notifications.models import (
    Acknowledgement,
    ContactPoint,
    Delivery,
    EscalationPolicy,
    EscalationStep,
    GroupChannel,
    Notification,
)
from notifications.outbox import ack_url
from people.protection import mask_mobile
from yingji.actions import require
from yingji.api import ErrorOut, Page

log = logging.getLogger("yingji.notifications")

router = Router(tags=["通知与叫应"])


def _user(context: Any) -> Any:
    request = (context or {}).get("request")
    return getattr(request, "user", None)


def may_see_ack_links(user: Any) -> bool:
    """Township staff and above may pass a recipient's link on (e.g. read it out on the phone)."""
    return bool(user is not None and user.is_authenticated and (user.can(Capability.ISSUE_WARNING) or user.can(Capability.MANAGE_DUTY)))


def _require_view(request: HttpRequest) -> None:
    if not request.user.can(Capability.VIEW_DELIVERIES):  # type: ignore[union-attr]
        raise PermissionDenied("当前角色无权查看通知送达记录（需要“查看通知送达和叫应记录”权限）")


class InJurisdiction(Schema):
    jurisdiction_code: str
    jurisdiction_name: str

    @staticmethod
    def resolve_jurisdiction_code(obj: Any) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_jurisdiction_name(obj: Any) -> str:
        return obj.jurisdiction.name


class DeliveryOut(Schema):
    id: int
    notification_id: int
    jurisdiction_code: str
    recipient: str
    recipient_key: str
    recipient_person_id: int | None
    group_channel_id: int | None
    channel: str
    address: str
    state: str
    state_label: str
    step_index: int
    attempt_count: int
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    acknowledged_at: datetime | None
    ack_via: str | None
    last_error: str
    ack_url: str | None = Field(None, description="仅乡镇工作人员及以上可见")

    @staticmethod
    def resolve_jurisdiction_code(obj: Delivery) -> str:
        return obj.jurisdiction_path.rstrip("/").rsplit("/", 1)[-1]

    @staticmethod
    def resolve_recipient(obj: Delivery) -> str:
        return obj.recipient_label or obj.recipient_key

    @staticmethod
    def resolve_address(obj: Delivery, context: Any) -> str:
        user = _user(context)
        if obj.channel in ("sms", "voice") and not (user is not None and user.can(Capability.SEE_MOBILE)):
            return mask_mobile(obj.address)
        if obj.group_channel_id is not None:
            return obj.address
        return obj.address if obj.channel != "inapp" else ""

    @staticmethod
    def resolve_state_label(obj: Delivery) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_ack_via(obj: Delivery) -> str | None:
        acks = getattr(obj, "acks", None)
        if acks is not None:
            return acks[0].via if acks else None
        ack = Acknowledgement.unscoped.filter(notification_id=obj.notification_id, recipient_key=obj.recipient_key).first()
        return ack.via if ack else None

    @staticmethod
    def resolve_ack_url(obj: Delivery, context: Any) -> str | None:
        return ack_url(obj.reply_token) if may_see_ack_links(_user(context)) else None


class NotificationOut(InJurisdiction):
    id: int
    topic: str
    title: str
    state: str
    source_type: str
    source_id: str
    policy_name: str
    started_at: datetime
    cancelled_at: datetime | None
    completed_at: datetime | None
    delivery_count: int
    acknowledged_count: int

    @staticmethod
    def resolve_source_type(obj: Notification) -> str:
        return f"{obj.source_type.app_label}.{obj.source_type.model}" if obj.source_type_id else ""  # type: ignore[union-attr]

    @staticmethod
    def resolve_policy_name(obj: Notification) -> str:
        return str(obj.policy_snapshot.get("policy_name") or "") if isinstance(obj.policy_snapshot, dict) else ""

    @staticmethod
    def resolve_delivery_count(obj: Notification) -> int:
        return int(getattr(obj, "delivery_count", 0) or 0)

    @staticmethod
    def resolve_acknowledged_count(obj: Notification) -> int:
        return int(getattr(obj, "ack_count", 0) or 0)


class NotificationDetailOut(NotificationOut):
    body: str
    policy_snapshot: dict[str, Any]
    deliveries: list[DeliveryOut]

    @staticmethod
    def resolve_deliveries(obj: Notification) -> list[Delivery]:
        return list(getattr(obj, "delivery_rows", []))


class NotificationFilter(Schema):
    topic: str | None = None
    state: str | None = None


def notifications_queryset() -> Any:
    return (
        Notification.objects.select_related("jurisdiction", "source_type")
        .defer("jurisdiction__boundary", "cap_xml")
        .annotate(delivery_count=Count("deliveries", distinct=True), ack_count=Count("acknowledgements", distinct=True))
    )


def with_acks(deliveries: list[Delivery]) -> list[Delivery]:
    """Attach each delivery's acknowledgement (one query for the whole page)."""
    keys = {(d.notification_id, d.recipient_key) for d in deliveries}
    acks: dict[tuple[int, str], Acknowledgement] = {}
    if keys:
        condition = Q(pk__in=[])
        for notification_id in {k[0] for k in keys}:
            condition |= Q(notification_id=notification_id, recipient_key__in=[k[1] for k in keys if k[0] == notification_id])
        acks = {(a.notification_id, a.recipient_key): a for a in Acknowledgement.unscoped.filter(condition)}
    for d in deliveries:
        found = acks.get((d.notification_id, d.recipient_key))
        d.acks = [found] if found else []  # type: ignore[attr-defined]
    return deliveries


@router.get("/notifications", response=list[NotificationOut], summary="通知列表（按辖区限定）")
@paginate(Page)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilter]) -> Any:
    _require_view(request)
    notifications = notifications_queryset()
    if filters.topic:
        notifications = notifications.filter(topic=filters.topic)
    if filters.state:
        notifications = notifications.filter(state=filters.state)
    return notifications.order_by("-started_at", "-id")


class InboxItemOut(Schema):
    delivery_id: int
    notification_id: int
    jurisdiction_code: str
    title: str
    body: str
    topic: str
    started_at: datetime
    notification_state: str
    acknowledged_at: datetime | None
    ack_path: str

    @staticmethod
    def resolve_delivery_id(obj: Delivery) -> int:
        return obj.pk

    @staticmethod
    def resolve_jurisdiction_code(obj: Delivery) -> str:
        return obj.notification.jurisdiction.code

    @staticmethod
    def resolve_title(obj: Delivery) -> str:
        return obj.notification.title

    @staticmethod
    def resolve_body(obj: Delivery) -> str:
        return obj.notification.body

    @staticmethod
    def resolve_topic(obj: Delivery) -> str:
        return obj.notification.topic

    @staticmethod
    def resolve_started_at(obj: Delivery) -> datetime:
        return obj.notification.started_at

    @staticmethod
    def resolve_notification_state(obj: Delivery) -> str:
        return obj.notification.state

    @staticmethod
    def resolve_ack_path(obj: Delivery) -> str:
        return f"/api/v1/deliveries/{obj.pk}/ack"


@router.get("/notifications/inbox", response=list[InboxItemOut], summary="我的通知（未叫应的在前）")
@paginate(Page)
def inbox(request: HttpRequest) -> Any:
    from notifications.views import inbox_items

    return inbox_items(request.user)


class InboundResult(Schema):
    mobile: str
    outcome: str


def _inbound_messages(provider: str, payload: Any) -> list[tuple[str, str]]:
    """(mobile, content) pairs from Aliyun's JSON array or Tencent's object (or array) of replies."""
    items = payload if isinstance(payload, list) else [payload]
    pairs: list[tuple[str, str]] = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("每条上行短信应为 JSON 对象")
        if provider == "aliyun":
            mobile, content = item.get("phone_number"), item.get("content")
        else:
            mobile, content = item.get("mobile"), item.get("text")
        if not isinstance(mobile, str) or not isinstance(content, str):
            field = "phone_number/content" if provider == "aliyun" else "mobile/text"
            raise ValueError(f"缺少 {field} 字段")
        pairs.append((mobile, content))
    return pairs


@router.post(
    "/notifications/inbound-sms/{provider}",
    auth=None,
    response={200: dict[str, Any], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="短信上行回调（阿里云 aliyun / 腾讯云 tencent）：按回复码叫应",
)
@transaction.atomic
def inbound_sms(request: HttpRequest, provider: str) -> Any:
    """Providers call this with replies; a shared secret in `?token=` or `X-Yingji-Token` proves it is them."""
    if provider not in ("aliyun", "tencent"):
        return Status(404, {"detail": f"不支持的短信服务商：{provider}（可选 aliyun、tencent）"})
    expected = inbound_sms_token()
    given = request.GET.get("token") or request.headers.get("X-Yingji-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("inbound SMS callback with a wrong or missing token from %s", request.META.get("REMOTE_ADDR"))
        return Status(403, {"detail": "回调令牌无效（或服务器未配置 NOTIFICATIONS_INBOUND_SMS_TOKEN）"})
    try:
        pairs = _inbound_messages(provider, json.loads(request.body or b"null"))
    except (ValueError, UnicodeDecodeError) as exc:
        log.warning("malformed %s SMS callback: %s", provider, exc)
        return Status(400, {"detail": f"上行短信格式有误：{exc}"})
    results = []
    for mobile, content in pairs:
        acknowledgement = services.acknowledge_by_sms(mobile, content)
        results.append({"mobile": mask_mobile(services.normalise_mobile(mobile)), "outcome": "acknowledged" if acknowledgement else "ignored"})
    if provider == "aliyun":
        return {"code": 0, "msg": "接收成功", "results": results}
    return {"result": 0, "errmsg": "OK", "results": results}


@router.get("/notifications/{notification_id}", response=NotificationDetailOut, summary="通知详情与各接收人送达、叫应情况")
def get_notification(request: HttpRequest, notification_id: int) -> Any:
    _require_view(request)
    notification = get_object_or_404(notifications_queryset(), pk=notification_id)
    notification.delivery_rows = with_acks(list(Delivery.objects.filter(notification=notification).order_by("step_index", "id")))
    return notification


class AckIn(Schema):
    note: str = Field("", max_length=200)


class AckOut(Schema):
    notification_id: int
    delivery_id: int
    recipient_key: str
    via: str
    at: datetime
    note: str


@router.post("/deliveries/{delivery_id}/ack", response={200: AckOut}, summary="叫应：本人在应用内确认，或值班人员登记电话确认")
@transaction.atomic
def ack_delivery(request: HttpRequest, delivery_id: int, payload: AckIn) -> Any:
    from notifications.views import my_deliveries

    own = my_deliveries(request.user).filter(pk=delivery_id).first()
    if own is not None:
        return services.acknowledge(own, via=AckVia.APP, actor=request.user, note=payload.note)
    delivery = get_object_or_404(Delivery.objects, pk=delivery_id)
    return actions.record_phone_ack(delivery, by=request.user, note=payload.note)


class PublicAckOut(Schema):
    title: str
    acknowledged_at: datetime
    via: str


@router.post(
    "/ack/{token}",
    auth=None,
    response={200: PublicAckOut, 404: ErrorOut, 410: ErrorOut, 429: ErrorOut},
    summary="叫应：凭短链接令牌确认（无需登录）",
)
@transaction.atomic
def ack_by_token(request: HttpRequest, token: str) -> Any:
    from notifications.views import rate_limited

    if rate_limited(request):
        return Status(429, {"detail": "请求过于频繁，请一分钟后再试"})
    try:
        acknowledgement = services.acknowledge(token, via=AckVia.LINK)
    except services.AckRefused as exc:
        return Status(404 if exc.code == "unknown" else 410, {"detail": exc.messages[0]})
    return {"title": acknowledgement.notification.title, "acknowledged_at": acknowledgement.at, "via": acknowledgement.via}


# --- escalation policies ------------------------------------------------------------------


class StepIO(Schema):
    target_kind: TargetKind
    position_kind: str = ""
    level: str = ""
    person_id: int | None = None
    group_channel_id: int | None = None
    team_id: int | None = None
    channels: list[ChannelChoice] = []
    wait_minutes: int = Field(10, ge=0, le=1440)


class StepOut(StepIO):
    order: int

    @staticmethod
    def resolve_position_kind(obj: EscalationStep) -> str:
        return obj.position_kind.code if obj.position_kind_id else ""  # type: ignore[union-attr]


class PolicyOut(InJurisdiction):
    id: int
    name: str
    topic: str
    severity: str
    repeat_count: int
    final_action: str
    final_wait_minutes: int
    final_channels: list[str]
    is_active: bool
    note: str
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj: EscalationPolicy) -> list[EscalationStep]:
        return list(obj.steps.all())


class PolicyIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    jurisdiction_code: str
    topic: str = Field("", max_length=40)
    severity: str = Field("", max_length=20)
    repeat_count: int = Field(0, ge=0, le=5)
    final_action: FinalAction = FinalAction.NONE
    final_wait_minutes: int = Field(10, ge=0, le=1440)
    final_channels: list[ChannelChoice] = []
    is_active: bool = True
    note: str = Field("", max_length=200)
    steps: list[StepIO] = Field(..., min_length=1, max_length=12)


class PolicyPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    topic: str | None = Field(None, max_length=40)
    severity: str | None = Field(None, max_length=20)
    repeat_count: int | None = Field(None, ge=0, le=5)
    final_action: FinalAction | None = None
    final_wait_minutes: int | None = Field(None, ge=0, le=1440)
    final_channels: list[ChannelChoice] | None = None
    is_active: bool | None = None
    note: str | None = Field(None, max_length=200)
    steps: list[StepIO] | None = Field(None, min_length=1, max_length=12)


def policies_queryset() -> Any:
    steps = EscalationStep.objects.select_related("position_kind").order_by("order", "id")
    return EscalationPolicy.objects.select_related("jurisdiction").defer("jurisdiction__boundary").prefetch_related(Prefetch("steps", queryset=steps))


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.value if hasattr(v, "value") else [c.value if hasattr(c, "value") else c for c in v] if isinstance(v, list) else v) for k, v in data.items()}


@router.get("/escalation-policies", response=list[PolicyOut], summary="升级策略列表")
@paginate(Page)
def list_policies(request: HttpRequest) -> Any:
    _require_view(request)
    return policies_queryset().order_by("jurisdiction_path", "topic", "severity", "name", "id")


@router.post("/escalation-policies", response={201: PolicyOut}, summary="新建升级策略")
@transaction.atomic
def create_policy(request: HttpRequest, payload: PolicyIn) -> Any:
    data = payload.dict()
    node = Jurisdiction.objects.visible_code(data.pop("jurisdiction_code"))
    steps = [_plain(s) for s in data.pop("steps")]
    policy = actions.create_policy(by=request.user, jurisdiction=node, steps=steps, **_plain(data))
    return Status(201, policies_queryset().get(pk=policy.pk))


@router.get("/escalation-policies/{policy_id}", response=PolicyOut, summary="升级策略详情")
def get_policy(request: HttpRequest, policy_id: int) -> Any:
    _require_view(request)
    return get_object_or_404(policies_queryset(), pk=policy_id)


@router.patch("/escalation-policies/{policy_id}", response=PolicyOut, summary="修改升级策略（已发出的通知不受影响）")
@transaction.atomic
def patch_policy(request: HttpRequest, policy_id: int, payload: PolicyPatch) -> Any:
    policy = get_object_or_404(EscalationPolicy.objects, pk=policy_id)
    changes = payload.dict(exclude_unset=True)
    steps = changes.pop("steps", None)
    actions.update_policy(policy, by=request.user, steps=[_plain(s) for s in steps] if steps is not None else None, **_plain(changes))
    return policies_queryset().get(pk=policy_id)


# --- group channels -----------------------------------------------------------------------


class GroupChannelOut(InJurisdiction):
    id: int
    name: str
    channel: str
    url: str
    secret: str = Field(..., description="只显示是否已设置（掩码），从不返回原文")
    enabled: bool
    archived: bool
    note: str

    @staticmethod
    def resolve_secret(obj: GroupChannel) -> str:
        return obj.masked_secret

    @staticmethod
    def resolve_archived(obj: GroupChannel) -> bool:
        return obj.archived_at is not None


class GroupChannelIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    jurisdiction_code: str
    channel: ChannelChoice
    url: str = Field(..., max_length=500)
    secret: str = Field("", max_length=200)
    enabled: bool = True
    note: str = Field("", max_length=200)


class GroupChannelPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    channel: ChannelChoice | None = None
    url: str | None = Field(None, max_length=500)
    secret: str | None = Field(None, max_length=200, description="留空字符串清除；不传则不变")
    enabled: bool | None = None
    note: str | None = Field(None, max_length=200)


def groups_queryset() -> Any:
    return GroupChannel.objects.select_related("jurisdiction").defer("jurisdiction__boundary")


@router.get("/group-channels", response=list[GroupChannelOut], summary="群组通道列表")
@paginate(Page)
def list_groups(request: HttpRequest, include_archived: bool = False) -> Any:
    _require_view(request)
    groups = groups_queryset()
    if not include_archived:
        groups = groups.filter(archived_at__isnull=True)
    return groups.order_by("jurisdiction_path", "name", "id")


@router.post("/group-channels", response={201: GroupChannelOut}, summary="新增群组通道（密钥只写）")
@transaction.atomic
def create_group(request: HttpRequest, payload: GroupChannelIn) -> Any:
    data = _plain(payload.dict())
    node = Jurisdiction.objects.visible_code(data.pop("jurisdiction_code"))
    secret = data.pop("secret")
    group = actions.create_group_channel(by=request.user, jurisdiction=node, secret=secret, **data)
    return Status(201, groups_queryset().get(pk=group.pk))


@router.get("/group-channels/{group_id}", response=GroupChannelOut, summary="群组通道详情")
def get_group(request: HttpRequest, group_id: int) -> Any:
    _require_view(request)
    return get_object_or_404(groups_queryset(), pk=group_id)


@router.patch("/group-channels/{group_id}", response=GroupChannelOut, summary="修改群组通道")
@transaction.atomic
def patch_group(request: HttpRequest, group_id: int, payload: GroupChannelPatch) -> Any:
    group = get_object_or_404(GroupChannel.objects, pk=group_id)
    changes = _plain(payload.dict(exclude_unset=True))
    secret = changes.pop("secret", None)
    actions.update_group_channel(group, by=request.user, secret=secret, **changes)
    return groups_queryset().get(pk=group_id)


@router.post("/group-channels/{group_id}/archive", response=GroupChannelOut, summary="归档群组通道（不再发送）")
@transaction.atomic
def archive_group(request: HttpRequest, group_id: int) -> Any:
    group = get_object_or_404(GroupChannel.objects, pk=group_id)
    actions.archive_group_channel(group, by=request.user)
    return groups_queryset().get(pk=group_id)


# --- contact points ------------------------------------------------------------------------


class ContactPointOut(Schema):
    id: int
    person_id: int
    jurisdiction_code: str
    channel: str
    address: str
    priority: int
    enabled: bool

    @staticmethod
    def resolve_jurisdiction_code(obj: ContactPoint) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_address(obj: ContactPoint, context: Any) -> str:
        user = _user(context)
        if obj.channel in ("sms", "voice") and not (user is not None and user.can(Capability.SEE_MOBILE)):
            return mask_mobile(obj.address)
        return obj.address


class ContactPointIn(Schema):
    person_id: int
    channel: ChannelChoice
    address: str = Field(..., min_length=1, max_length=200)
    priority: int = Field(10, ge=0, le=1000)
    enabled: bool = True


@router.get("/contact-points", response=list[ContactPointOut], summary="人员的联系方式（按优先级；无记录时按手机号短信、语音）")
@paginate(Page)
def list_contact_points(request: HttpRequest, person_id: int | None = None) -> Any:
    contacts = ContactPoint.objects.active().select_related("jurisdiction").defer("jurisdiction__boundary")
    if person_id is not None:
        contacts = contacts.filter(person_id=person_id)
    return contacts.order_by("person_id", "priority", "id")


@router.post("/contact-points", response={201: ContactPointOut}, summary="登记联系方式")
@transaction.atomic
def create_contact_point(request: HttpRequest, payload: ContactPointIn) -> Any:
    from people.models import Person

    person = get_object_or_404(Person.objects.active(), pk=payload.person_id)
    data = _plain(payload.dict())
    data.pop("person_id")
    contact = actions.add_contact_point(by=request.user, person=person, **data)
    return Status(201, ContactPoint.objects.select_related("jurisdiction").get(pk=contact.pk))


@router.post("/contact-points/{contact_id}/archive", response=ContactPointOut, summary="停用联系方式（归档）")
@transaction.atomic
def archive_contact_point(request: HttpRequest, contact_id: int) -> Any:
    contact = get_object_or_404(ContactPoint.objects, pk=contact_id)
    actions.archive_contact_point(contact, by=request.user)
    return ContactPoint.objects.select_related("jurisdiction").get(pk=contact_id)


# --- quotas and quiet hours ---------------------------------------------------------------


class QuotaOut(Schema):
    channel: str
    channel_label: str
    monthly_limit: int | None
    used: int
    percent: int | None
    level: str


class QuietHoursIO(Schema):
    enabled: bool = True
    start: time
    end: time


class TownshipRulesOut(Schema):
    jurisdiction_code: str
    jurisdiction_name: str
    quotas: list[QuotaOut]
    quiet_hours: QuietHoursIO | None

    @staticmethod
    def resolve_jurisdiction_code(obj: Any) -> str:
        return str(obj.township.code)

    @staticmethod
    def resolve_jurisdiction_name(obj: Any) -> str:
        return str(obj.township.name)


class TownshipRulesIn(Schema):
    jurisdiction_code: str
    quotas: dict[str, int | None] = Field(default_factory=dict, description='如 {"sms": 5000, "voice": 500}；null 表示不设额度')
    quiet_hours: QuietHoursIO | None = Field(default=None, description="如 {start: 22:00, end: 07:00}；null 表示不设静默时段")


def visible_townships() -> Any:
    from jurisdictions.choices import Level

    return Jurisdiction.objects.active().filter(level=Level.TOWNSHIP).only("id", "code", "name", "path").order_by("path")


class _RulesPage:
    """Pages the townships in the database, then reads usage for the page's townships only."""

    def __init__(self, townships: Any) -> None:
        self.townships = townships

    def count(self) -> int:
        return int(self.townships.count())

    def __getitem__(self, window: slice) -> list[Any]:
        from notifications.rules import overview

        return overview(list(self.townships[window]))


@router.get("/notification-quotas", response=list[TownshipRulesOut], summary="各乡镇短信/语音月度额度（含本月用量）与静默时段")
@paginate(Page)
def list_quotas(request: HttpRequest) -> Any:
    _require_view(request)
    return _RulesPage(visible_townships())


@router.put(
    "/notification-quotas",
    response={200: TownshipRulesOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="设置一个乡镇的月度额度和静默时段（只改传入的部分）",
)
@transaction.atomic
def put_quotas(request: HttpRequest, payload: TownshipRulesIn) -> Any:
    from notifications.rules import overview

    township = get_object_or_404(visible_townships(), code=payload.jurisdiction_code)
    for channel, limit in payload.quotas.items():
        actions.set_quota(township, by=request.user, channel=channel, monthly_limit=limit)
    if "quiet_hours" in payload.model_fields_set:
        quiet = payload.quiet_hours
        actions.set_quiet_hours(
            township,
            by=request.user,
            start=quiet.start if quiet else None,
            end=quiet.end if quiet else None,
            enabled=quiet.enabled if quiet else True,
        )
    if not payload.quotas and "quiet_hours" not in payload.model_fields_set:
        require(request.user, Capability.MANAGE_ESCALATION)
    return overview([township])[0]
