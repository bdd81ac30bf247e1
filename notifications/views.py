"""Pages of the notification core: the public 叫应 link, the inbox, delivery boards, policies and group channels.

Reads go through the scoped managers, except where a person reads what was sent to them
(their inbox, their acknowledgement link): that is theirs whatever the notification's
jurisdiction. Every change goes through `notifications.actions` / `notifications.services`.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from audit.tracking import history_of
from jurisdictions.forms import add_action_errors
from notifications import actions, rules, services
from notifications.choices import OPEN_DELIVERY_STATES, AckVia, DeliveryState, EscalationState
from notifications.conf import ack_rate_limit_per_minute
from notifications.forms import GroupChannelForm, PhoneAckForm, PolicyForm, QuotaSettingsForm, StepFormSet, step_initial
from notifications.models import (
    Acknowledgement,
    ChannelQuota,
    Delivery,
    DeliveryAttempt,
    Escalation,
    EscalationPolicy,
    GroupChannel,
    Notification,
)
from yingji.http import AuthenticatedRequest

PAGE_SIZE = 25


def require_capability(request: AuthenticatedRequest, capability: str, message: str) -> None:
    if not request.user.can(capability):
        raise PermissionDenied(message)


# --- the public acknowledgement link ---------------------------------------------------


def rate_limited(request: HttpRequest) -> bool:
    """At most N requests a minute per address to the public link (tokens are not guessable, but be polite)."""
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    key = f"notifications:ack-rate:{address}:{int(time.time() // 60)}"
    cache.add(key, 0, 120)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count > ack_rate_limit_per_minute()


def ack(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link acknowledges (issue 4: "shows the warning and acknowledges it").

    GET and POST both acknowledge, idempotently: a second visit shows the first answer.
    Known trade-off (docs/notifications.md): a messenger's link-preview bot that fetches the
    link acknowledges for the recipient; the short SMS link is rarely previewed, and the
    board shows the via and time so a duty officer can still phone someone doubtful.
    """
    if rate_limited(request):
        return render(request, "notifications/ack.html", {"error": _("请求过于频繁，请一分钟后再试。")}, status=429)
    try:
        delivery = services.delivery_for_token(token)
    except services.AckRefused as exc:
        return render(request, "notifications/ack.html", {"error": exc.messages[0]}, status=404)
    notification = delivery.notification
    error = ""
    if request.method in ("GET", "POST"):
        try:
            services.acknowledge(delivery, via=AckVia.LINK, actor=request.user if request.user.is_authenticated else None)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            if request.method == "POST":
                return redirect(request.path)
    # The visitor may be anonymous (no scope): the token itself is the permission to read this.
    acknowledgement = Acknowledgement.unscoped.filter(notification=notification, recipient_key=delivery.recipient_key).first()
    context = {"delivery": delivery, "notification": notification, "acknowledgement": acknowledgement, "error": error}
    response = render(request, "notifications/ack.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


# --- the inbox -----------------------------------------------------------------------


def my_deliveries(user: Any) -> QuerySet[Delivery]:
    """What was sent to this account or its person, on any channel (their own, whatever the scope)."""
    condition = Q(recipient_user=user)
    if user.person_id:
        condition |= Q(recipient_person_id=user.person_id)
    return Delivery.unscoped.filter(condition).exclude(state=DeliveryState.CANCELLED)


def inbox_items(user: Any) -> QuerySet[Delivery]:
    """One row per notification (the in-app delivery if any), unacknowledged first, newest first."""
    mine = my_deliveries(user)
    first_ids = mine.order_by("notification_id", Case(When(channel="inapp", then=Value(0)), default=Value(1), output_field=IntegerField()), "id")
    chosen: dict[int, int] = {}
    for notification_id, pk in first_ids.values_list("notification_id", "pk"):
        chosen.setdefault(notification_id, pk)
    return (
        Delivery.unscoped.filter(pk__in=chosen.values())
        .select_related("notification", "notification__jurisdiction")
        .annotate(open_first=Case(When(acknowledged_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("open_first", "-notification__started_at", "-id")
    )


def unacknowledged_count(user: Any) -> int:
    return (
        my_deliveries(user)
        .filter(state__in=OPEN_DELIVERY_STATES, notification__state="active")
        .values("notification_id")
        .distinct()
        .count()
    )


@login_required
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(inbox_items(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    # Shown in the inbox counts as read: the board tells "read, not yet acknowledged" apart.
    unread = [item.pk for item in page.object_list if item.read_at is None]
    if unread:
        Delivery.unscoped.filter(pk__in=unread, read_at__isnull=True).update(read_at=timezone.now())
    context = {"page": page, "open_count": unacknowledged_count(request.user), "quota_alerts": quota_alerts(request.user)}
    if request.htmx and request.htmx.target == "inbox-results":
        return render(request, "notifications/_inbox_results.html", context)
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def inbox_ack(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(my_deliveries(request.user).select_related("notification"), pk=pk)
    try:
        services.acknowledge(delivery, via=AckVia.APP, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    delivery = inbox_items(request.user).get(notification_id=delivery.notification_id)
    if request.htmx:
        return render(request, "notifications/_inbox_item.html", {"item": delivery})
    return redirect("notifications:inbox")


@login_required
@require_GET
def badge(request: AuthenticatedRequest) -> HttpResponse:
    """The unacknowledged count for the navigation (htmx polls it)."""
    return render(request, "notifications/_badge.html", {"count": unacknowledged_count(request.user)})


# --- notifications and their delivery boards --------------------------------------------


@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request, Capability.VIEW_DELIVERIES, _("当前角色无权查看通知送达记录"))
    notifications = (
        Notification.objects.select_related("jurisdiction")
        .defer("jurisdiction__boundary", "body", "cap_xml", "policy_snapshot")
        .annotate(
            delivery_count=Count("deliveries", distinct=True),
            ack_count=Count("acknowledgements", distinct=True),
        )
        .order_by("-started_at", "-id")
    )
    topic = request.GET.get("topic", "").strip()
    if topic:
        notifications = notifications.filter(topic=topic)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "topic": topic, "quota_alerts": quota_alerts(request.user)})


def board_context(notification: Notification) -> dict[str, Any]:
    deliveries = list(
        Delivery.objects.filter(notification=notification)
        .select_related("recipient_person", "group_channel")
        .prefetch_related(Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("id")))
        .order_by("step_index", "recipient_label", "id")
    )
    acks = {a.recipient_key: a for a in notification.acknowledgements.all()}
    chains = Escalation.objects.filter(notification=notification)
    chain_rows = list(chains.order_by("state", "next_step_at", "id")[:200])
    counts = {row["state"]: row["n"] for row in chains.values("state").annotate(n=Count("id"))}
    states = {row["state"]: row["n"] for row in Delivery.objects.filter(notification=notification).values("state").annotate(n=Count("id"))}
    steps = notification.policy_snapshot.get("steps", []) + notification.policy_snapshot.get("final_steps", [])
    labels = _position_labels(notification)
    for delivery in deliveries:
        delivery.ack = acks.get(delivery.recipient_key)  # type: ignore[attr-defined]
        delivery.step_label = labels.get(delivery.step_index, "")  # type: ignore[attr-defined]
    names = {d.recipient_key: d.recipient_label for d in deliveries if d.recipient_label}
    for chain in chain_rows:
        chain.step_label = labels.get(chain.position, "")  # type: ignore[attr-defined]
        chain.display_name = names.get(chain.recipient_key) or chain.label or chain.recipient_key  # type: ignore[attr-defined]
    return {
        "chains": chain_rows,
        "notification": notification,
        "deliveries": deliveries,
        "recipients": len({d.recipient_key for d in deliveries}),
        "acknowledged": len(acks),
        "waiting": counts.get(EscalationState.RUNNING, 0),
        "exhausted": counts.get(EscalationState.EXHAUSTED, 0),
        "escalated": chains.filter(position__gt=0).count(),
        "failed": states.get(DeliveryState.FAILED, 0),
        "steps": steps,
    }


def _position_labels(notification: Notification) -> dict[int, str]:
    from notifications.escalation import step_at, total_positions

    snapshot = notification.policy_snapshot
    if not snapshot.get("steps"):
        return {}
    labels = {}
    for position in range(total_positions(snapshot)):
        step, round_ = step_at(snapshot, position)
        labels[position] = f"{position + 1}. {step.get('label', '')}" + (f"（第{round_ + 1}轮）" if round_ and not step.get("superior") else "")
    return labels


@login_required
def board(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_capability(request, Capability.VIEW_DELIVERIES, _("当前角色无权查看通知送达记录"))
    notification = get_object_or_404(Notification.objects.select_related("jurisdiction", "started_by"), pk=pk)
    context = board_context(notification)
    if request.htmx and request.htmx.target == "board":
        return render(request, "notifications/_board.html", context)
    context["history"] = history_of(notification, *Acknowledgement.objects.filter(notification=notification))[:30]
    context["phone_form"] = PhoneAckForm()
    return render(request, "notifications/board.html", context)


@login_required
@require_POST
def phone_ack(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("notification"), pk=pk)
    form = PhoneAckForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        actions.record_phone_ack(delivery, by=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已登记 %(name)s 电话叫应。") % {"name": delivery.recipient_label})
    return redirect("notifications:board", pk=delivery.notification_id)


# --- escalation policies -------------------------------------------------------------------


def visible_policies() -> QuerySet[EscalationPolicy]:
    return EscalationPolicy.objects.select_related("jurisdiction").defer("jurisdiction__boundary").annotate(step_count=Count("steps"))


@login_required
def policy_list(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request, Capability.VIEW_DELIVERIES, _("当前角色无权查看升级策略"))
    policies = visible_policies().prefetch_related("steps__position_kind").order_by("jurisdiction_path", "topic", "severity", "name")
    return render(request, "notifications/policies.html", {"policies": policies})


def _policy_form(request: AuthenticatedRequest, policy: EscalationPolicy | None) -> HttpResponse:
    require_capability(request, Capability.MANAGE_ESCALATION, _("当前角色无权维护升级策略"))
    if request.method == "POST":
        form = PolicyForm(request.POST)
        steps = StepFormSet(request.POST, prefix="steps")
    else:
        initial = PolicyForm.initial_for(policy) if policy else {"jurisdiction": request.user.jurisdiction.code if request.user.jurisdiction else ""}
        form = PolicyForm(initial=initial)
        steps = StepFormSet(initial=step_initial(policy) if policy else None, prefix="steps")
    if request.method == "POST" and form.is_valid() and steps.is_valid():
        step_data = [s for s in (f.as_step() for f in steps.forms) if s is not None]
        data = dict(form.cleaned_data)
        try:
            if policy is None:
                policy = actions.create_policy(by=request.user, steps=step_data, **data)
            else:
                actions.update_policy(policy, by=request.user, steps=step_data, **data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存升级策略“%(name)s”。已发出的通知仍按原策略执行。") % {"name": policy.name})
            return redirect("notifications:policy_detail", pk=policy.pk)
    return render(request, "notifications/policy_form.html", {"form": form, "steps": steps, "policy": policy})


@login_required
def policy_create(request: AuthenticatedRequest) -> HttpResponse:
    return _policy_form(request, None)


@login_required
def policy_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _policy_form(request, get_object_or_404(EscalationPolicy.objects, pk=pk))


@login_required
def policy_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_capability(request, Capability.VIEW_DELIVERIES, _("当前角色无权查看升级策略"))
    policy = get_object_or_404(visible_policies(), pk=pk)
    steps = list(policy.steps.select_related("position_kind", "person", "group_channel").order_by("order", "id"))
    return render(request, "notifications/policy_detail.html", {"policy": policy, "steps": steps, "history": history_of(policy, *steps)[:20]})


# --- group channels ---------------------------------------------------------------------


@login_required
def group_list(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request, Capability.VIEW_DELIVERIES, _("当前角色无权查看群组通道"))
    groups = GroupChannel.objects.select_related("jurisdiction").defer("jurisdiction__boundary").order_by("jurisdiction_path", "name")
    if not request.GET.get("archived"):
        groups = groups.filter(archived_at__isnull=True)
    return render(request, "notifications/groups.html", {"groups": groups})


def _group_form(request: AuthenticatedRequest, group: GroupChannel | None) -> HttpResponse:
    require_capability(request, Capability.MANAGE_ESCALATION, _("当前角色无权维护群组通道"))
    if request.method == "POST":
        form = GroupChannelForm(request.POST)
    else:
        initial = GroupChannelForm.initial_for(group) if group else {"jurisdiction": request.user.jurisdiction.code if request.user.jurisdiction else ""}
        form = GroupChannelForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        secret: str | None = data.pop("secret") or None
        if data.pop("clear_secret"):
            secret = ""
        try:
            if group is None:
                group = actions.create_group_channel(by=request.user, secret=secret or "", **data)
            else:
                actions.update_group_channel(group, by=request.user, secret=secret, **data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存群组通道“%(name)s”。") % {"name": group.name})
            return redirect("notifications:groups")
    return render(request, "notifications/group_form.html", {"form": form, "group": group})


@login_required
def group_create(request: AuthenticatedRequest) -> HttpResponse:
    return _group_form(request, None)


@login_required
def group_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _group_form(request, get_object_or_404(GroupChannel.objects, pk=pk))


@login_required
@require_POST
def group_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(GroupChannel.objects, pk=pk)
    actions.archive_group_channel(group, by=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("已停用并归档群组通道“%(name)s”。") % {"name": group.name})
    return redirect("notifications:groups")


# --- quotas and quiet hours ---------------------------------------------------------------


def quota_alerts(user: Any) -> list[tuple[ChannelQuota, Any]]:
    """Quotas in the user's scope at or above 80 % this month: the banner of the notification pages."""
    if not user.can(Capability.VIEW_DELIVERIES):
        return []
    return rules.alerts(list(ChannelQuota.objects.select_related("jurisdiction").defer("jurisdiction__boundary")))


@login_required
def quota_settings(request: AuthenticatedRequest) -> HttpResponse:
    """Monthly SMS/voice quotas with this month's usage, and quiet hours, per township."""
    from notifications.api import visible_townships

    require_capability(request, Capability.VIEW_DELIVERIES, _("当前角色无权查看发送额度"))
    townships = list(visible_townships())
    chosen_code = request.GET.get("township") or request.POST.get("township") or ""
    chosen = next((t for t in townships if t.code == chosen_code), None)
    if chosen is None and chosen_code:
        raise Http404
    if chosen is None and len(townships) == 1:
        chosen = townships[0]
    can_edit = request.user.can(Capability.MANAGE_ESCALATION)
    form = None
    if chosen is not None and can_edit:
        current = rules.overview([chosen])[0]
        limits = {use.channel: use.monthly_limit for use in current.quotas}
        quiet = current.quiet_hours
        initial = {
            "sms_limit": limits.get("sms"),
            "voice_limit": limits.get("voice"),
            "quiet_start": quiet.start if quiet else None,
            "quiet_end": quiet.end if quiet else None,
            "quiet_enabled": quiet.enabled if quiet else True,
        }
        form = QuotaSettingsForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    actions.set_quota(chosen, by=request.user, channel="sms", monthly_limit=data["sms_limit"])
                    actions.set_quota(chosen, by=request.user, channel="voice", monthly_limit=data["voice_limit"])
                    actions.set_quiet_hours(
                        chosen, by=request.user, start=data["quiet_start"], end=data["quiet_end"], enabled=data["quiet_enabled"]
                    )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("已保存 %(name)s 的发送额度和静默时段") % {"name": chosen.name})
                return redirect(f"{request.path}?township={chosen.code}")
    elif request.method == "POST":
        raise PermissionDenied(_("当前角色无权修改发送额度（需要“维护通知升级策略”权限）"))
    context = {
        "rows": rules.overview(townships),
        "chosen": chosen,
        "form": form,
        "can_edit": can_edit,
        "quota_alerts": quota_alerts(request.user),
    }
    return render(request, "notifications/quotas.html", context)
