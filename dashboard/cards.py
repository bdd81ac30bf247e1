"""Cards of the home page: one small grouped read per domain, through the scoped managers.

Each card function answers None when the card does not apply (its app is not installed,
its page does not resolve, the user's node is below the level it is measured at, or the
role may not see it); otherwise a dict for its template, with `empty` set when the app has
no rows yet, so a fresh deployment shows "暂无数据" rather than an error. The other apps
are imported inside the functions, so switching one off removes its card and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.roles import Capability, Role
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction

FOUR_COLOURS = {"red": "#d32f2f", "orange": "#ef6c00", "yellow": "#f9a825", "blue": "#1565c0"}
UNGRADED_COLOUR = "#8a8f98"
WARNING_LIST_LIMIT = 5
ACK_LIST_LIMIT = 10
MY_PLACES_LIMIT = 10


@dataclass(frozen=True)
class CardContext:
    user: Any
    node: Jurisdiction | None  # the user's single top node; None when they see several
    today: date

    @property
    def year(self) -> int:
        return self.today.year


def link(url_name: str, args: list[Any] | None = None, **query: Any) -> str | None:
    """The page's URL with a query string, or None when the page is not served here."""
    try:
        url = reverse(url_name, args=args)
    except NoReverseMatch:
        return None
    wanted = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(wanted)}" if wanted else url


def available(app: str, url_name: str) -> str | None:
    """The card's main link when its app is installed and its page exists."""
    return link(url_name) if apps.is_installed(app) else None


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


# --- risk and places ------------------------------------------------------------------------


def places_by_grade(ctx: CardContext) -> dict[str, Any] | None:
    if available("places", "places:list") is None:
        return None
    from places.choices import RiskGrade
    from places.models import Place

    counts = {
        row["risk_grade"]: row["n"]
        for row in Place.objects.filter(archived_at__isnull=True).values("risk_grade").annotate(n=Count("id")).order_by()
    }
    rows = [
        {"label": str(g.label), "tone": g.colour, "colour": FOUR_COLOURS[g.colour], "count": counts.get(g.value, 0), "url": link("places:list", risk_grade=g.value)}
        for g in RiskGrade
    ]
    rows.append({"label": _("未定级"), "tone": "none", "colour": UNGRADED_COLOUR, "count": counts.get("", 0), "url": link("places:list", risk_grade="none")})
    total = sum(row["count"] for row in rows)
    chart = {"names": [r["label"] for r in rows], "values": [r["count"] for r in rows], "colours": [r["colour"] for r in rows], "urls": [r["url"] for r in rows]}
    return {"key": "grades", "title": _("场所风险等级"), "total": total, "rows": rows, "chart": chart, "empty": total == 0, "url": link("places:list")}


def inspections_overdue(ctx: CardContext) -> dict[str, Any] | None:
    if available("places", "places:list") is None:
        return None
    from places.models import Place

    self_late = Q(next_self_inspection_due__lt=ctx.today)
    supervision_late = Q(next_supervision_due__lt=ctx.today)
    figures = Place.objects.filter(archived_at__isnull=True).aggregate(
        scheduled=Count("id", filter=Q(next_self_inspection_due__isnull=False) | Q(next_supervision_due__isnull=False)),
        self_overdue=Count("id", filter=self_late),
        supervision_overdue=Count("id", filter=supervision_late),
        overdue=Count("id", filter=self_late | supervision_late),
    )
    return {
        "key": "overdue", "title": _("检查逾期"), **figures, "empty": figures["scheduled"] == 0,
        "url": link("places:list", overdue="on"),
    }


def hazards_by_colour(ctx: CardContext) -> dict[str, Any] | None:
    """Open hazards in scope by deadline colour (三色), and the major ones under county supervision."""
    if available("hazards", "hazards:list") is None:
        return None
    from hazards.choices import OPEN_STATES, Colour, HazardSeverity
    from hazards.colours import colour_q
    from hazards.models import Hazard

    open_q = Q(state__in=[s.value for s in OPEN_STATES])
    colours = (Colour.RED, Colour.YELLOW, Colour.GREEN)

    figures = Hazard.objects.filter(archived_at__isnull=True).aggregate(
        open=Count("id", filter=open_q),
        major=Count("id", filter=open_q & Q(severity=HazardSeverity.MAJOR)),
        supervised=Count("id", filter=open_q & Q(severity=HazardSeverity.MAJOR, supervised=True)),
        **{c.value: Count("id", filter=colour_q(c.value, ctx.today)) for c in colours},
    )
    figures = {k: int(v or 0) for k, v in figures.items()}
    rows = [
        {"value": c.value, "label": str(c.label), "count": figures[c.value], "url": link("hazards:list", colour=c.value)}
        for c in colours
    ]
    return {
        "key": "hazards", "title": _("在办隐患"), "rows": rows, **figures, "empty": figures["open"] == 0,
        "url": link("hazards:list", open="1"), "supervision_url": link("hazards:supervision"),
    }


def letters_this_year(ctx: CardContext) -> dict[str, Any] | None:
    url = available("letters", "letters:summary")
    if url is None or ctx.node is None:
        return None
    from letters.services import summary

    result = summary(ctx.node, ctx.year)
    kinds = [
        {"label": label, "required": tally.required, "signed": tally.signed, "percent": tally.percent}
        for _kind, label, tally in result.total.by_kind()
        if tally.required
    ]
    required = sum(tally.required for _kind, _label, tally in result.total.by_kind())
    signed = sum(tally.signed for _kind, _label, tally in result.total.by_kind() if tally.required)
    return {
        "key": "letters", "title": _("%(year)s 年责任状") % {"year": ctx.year}, "kinds": kinds, "required": required,
        "signed": signed, "percent": percent(signed, required), "empty": required == 0,
        "url": link("letters:summary", code=ctx.node.code, year=ctx.year),
        "unsigned_url": link("letters:unsigned", code=ctx.node.code, year=ctx.year),
    }


def staffing_shortfall(ctx: CardContext) -> dict[str, Any] | None:
    url = available("staffing", "staffing:report")
    if url is None or ctx.node is None or ctx.node.level not in (Level.COUNTY, Level.TOWNSHIP):
        return None
    from staffing.services import NoStandard, staffing_report

    card: dict[str, Any] = {"key": "staffing", "title": _("人员配备"), "url": link("staffing:report", code=ctx.node.code)}
    try:
        report = staffing_report(ctx.node, ctx.today)
    except NoStandard as exc:
        return {**card, "empty": True, "problem": str(exc)}
    total = report.total
    short = [row for row in report.rows if row.shortfall]
    return {
        **card, "required": total.required or 0, "counted": total.counted or 0, "shortfall": total.shortfall or 0,
        "short_rows": short[:5], "short_count": len(short), "empty": not total.required,
    }


# --- warnings ---------------------------------------------------------------------------


def _acknowledgement(warning_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per warning: recipients reached by its latest answerable message and how many answered.

    Deliveries are read through the scoped manager, so a township sees the rate among its
    own people. Two queries whatever the number of warnings.
    """
    from earlywarning.board import ANSWERABLE
    from earlywarning.models import WarningMessage
    from notifications.choices import DeliveryState
    from notifications.models import Delivery

    latest: dict[int, tuple[int, int]] = {}
    messages = WarningMessage.objects.filter(warning_id__in=warning_ids, msg_type__in=ANSWERABLE, notification_id__isnull=False)
    for warning_id, sequence, notification_id in messages.values_list("warning_id", "sequence", "notification_id"):
        if notification_id is None:
            continue
        if warning_id not in latest or sequence > latest[warning_id][0]:
            latest[warning_id] = (sequence, notification_id)
    by_notification = {notification_id: warning_id for warning_id, (_seq, notification_id) in latest.items()}
    rows = (
        Delivery.objects.filter(notification_id__in=list(by_notification))
        .values("notification_id")
        .annotate(
            reached=Count("recipient_key", distinct=True),
            acknowledged=Count("recipient_key", filter=Q(state=DeliveryState.ACKNOWLEDGED), distinct=True),
        )
        .order_by()
    )
    return {by_notification[r["notification_id"]]: {"reached": r["reached"], "acknowledged": r["acknowledged"]} for r in rows}


def active_warnings(ctx: CardContext) -> dict[str, Any] | None:
    url = available("earlywarning", "earlywarning:list")
    if url is None:
        return None
    from earlywarning.choices import ACTIVE_STATES, LEVEL_RANK
    from earlywarning.visibility import readable_warnings

    rank_of: dict[str, int] = {str(level): rank for level, rank in LEVEL_RANK.items()}

    warnings = sorted(
        readable_warnings()
        .filter(state__in=ACTIVE_STATES, archived_at__isnull=True)
        .select_related("kind")
        .only("id", "title", "level", "issued_at", "ends_at", "kind__name", "jurisdiction_path"),
        key=lambda w: (rank_of.get(w.level, 9), -(w.issued_at.timestamp() if w.issued_at else 0)),
    )
    rate: dict[str, int | None] | None = None
    acks: dict[int, dict[str, int]] = {}
    if warnings and apps.is_installed("notifications") and ctx.user.can(Capability.VIEW_DELIVERIES):
        acks = _acknowledgement([w.pk for w in warnings])
        reached = sum(a["reached"] for a in acks.values())
        acknowledged = sum(a["acknowledged"] for a in acks.values())
        rate = {"reached": reached, "acknowledged": acknowledged, "percent": percent(acknowledged, reached)}
    items = [
        {
            "warning": w, "tone": w.level, "url": link("earlywarning:detail", [w.pk]),
            "board_url": link("earlywarning:board", [w.pk]) if w.pk in acks else None,
            "ack": {**acks[w.pk], "percent": percent(acks[w.pk]["acknowledged"], acks[w.pk]["reached"])} if w.pk in acks else None,
        }
        for w in warnings[:WARNING_LIST_LIMIT]
    ]
    return {
        "key": "warnings", "title": _("生效预警"), "count": len(warnings), "items": items, "rate": rate,
        "empty": not warnings, "url": link("earlywarning:list", state="active"),
    }


# --- readiness ------------------------------------------------------------------------------


def teams_ready(ctx: CardContext) -> dict[str, Any] | None:
    if available("teams", "teams:list") is None:
        return None
    from teams.choices import TeamStatus
    from teams.models import Team

    counts = {r["status"]: r["n"] for r in Team.objects.filter(archived_at__isnull=True).values("status").annotate(n=Count("id")).order_by()}
    rows = [{"value": s.value, "label": str(s.label), "count": counts.get(s.value, 0), "url": link("teams:list", status=s.value)} for s in TeamStatus]
    total = sum(r["count"] for r in rows)
    return {"key": "teams", "title": _("救援队伍"), "rows": rows, "total": total, "empty": total == 0, "url": link("teams:list")}


def supplies_expiry(ctx: CardContext) -> dict[str, Any] | None:
    url = available("supplies", "supplies:alerts")
    if url is None:
        return None
    from supplies.models import Supply, warning_days

    first, _second = warning_days()
    horizon = ctx.today + timedelta(days=first)
    figures = Supply.objects.filter(archived_at__isnull=True, quantity__gt=0).aggregate(
        total=Count("id"),
        expired=Count("id", filter=Q(expiry_date__lt=ctx.today)),
        expiring=Count("id", filter=Q(expiry_date__gte=ctx.today, expiry_date__lte=horizon)),
    )
    return {"key": "supplies", "title": _("物资有效期"), **figures, "days": first, "empty": figures["total"] == 0, "url": url, "list_url": link("supplies:list")}


def shelters_open(ctx: CardContext) -> dict[str, Any] | None:
    if available("shelters", "shelters:list") is None:
        return None
    from shelters.choices import ShelterStatus
    from shelters.models import Shelter

    opened = Q(status__in=[ShelterStatus.OPEN, ShelterStatus.FULL])
    figures = Shelter.objects.filter(archived_at__isnull=True).aggregate(
        total=Count("id"),
        open=Count("id", filter=opened),
        full=Count("id", filter=Q(status=ShelterStatus.FULL)),
        occupancy=Sum("occupancy", filter=opened),
        capacity=Sum("capacity_night", filter=opened),
        capacity_all=Sum("capacity_night"),
    )
    figures = {k: v or 0 for k, v in figures.items()}
    return {
        "key": "shelters", "title": _("避灾安置"), **figures, "percent": percent(figures["occupancy"], figures["capacity"]),
        "empty": figures["total"] == 0, "url": link("shelters:list", status=ShelterStatus.OPEN), "list_url": link("shelters:list"),
    }


def drills_this_year(ctx: CardContext) -> dict[str, Any] | None:
    url = available("plans", "plans:drills")
    if url is None or ctx.node is None or ctx.node.level not in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
        return None
    from plans.models import Drill
    from plans.targets import compute_targets

    report = compute_targets(ctx.node, ctx.year, today=ctx.today)
    conducted = Drill.objects.active().filter(
        conducted_on__gte=date(ctx.year, 1, 1), conducted_on__lte=date(ctx.year, 12, 31)
    ).count()
    units = len(report.units)
    return {
        "key": "drills", "title": _("%(year)s 年演练") % {"year": ctx.year}, "conducted": conducted, "report": report,
        "townships_without": len(report.townships_without_drill), "villages_without": len(report.villages_without_drill),
        "overdue": len(report.overdue_drills), "empty": conducted == 0 and not units and not report.overdue_drills,
        "url": link("plans:drills", code=ctx.node.code, year=ctx.year),
    }


# --- the grid worker's short version ------------------------------------------------------


def to_acknowledge(ctx: CardContext) -> dict[str, Any] | None:
    """Notifications sent to this user that still wait for their 叫应, newest first."""
    url = available("notifications", "notifications:inbox")
    if url is None:
        return None
    from notifications.choices import OPEN_DELIVERY_STATES
    from notifications.views import my_deliveries

    open_rows = (
        my_deliveries(ctx.user)
        .filter(state__in=OPEN_DELIVERY_STATES, notification__state="active")
        .select_related("notification")
        .only("id", "notification__id", "notification__title", "notification__started_at", "ack_deadline")
        .order_by("-notification__started_at", "id")
    )
    seen: dict[int, Any] = {}
    for delivery in open_rows[: ACK_LIST_LIMIT * 4]:
        seen.setdefault(delivery.notification_id, delivery)
    items = list(seen.values())[:ACK_LIST_LIMIT]
    return {"key": "ack", "title": _("待叫应通知"), "items": items, "count": len(seen), "empty": not items, "url": url}


def my_places(ctx: CardContext) -> dict[str, Any] | None:
    """The places in the worker's grid, overdue inspections and higher grades first."""
    if available("places", "places:list") is None:
        return None
    from django.db.models import Case, IntegerField, Value, When

    from places.models import Place

    places = Place.objects.filter(archived_at__isnull=True).select_related("kind").only(
        "id", "name", "address", "risk_grade", "next_self_inspection_due", "next_supervision_due", "kind__name", "jurisdiction_path"
    )
    late = Q(next_self_inspection_due__lt=ctx.today) | Q(next_supervision_due__lt=ctx.today)
    rank = Case(
        When(risk_grade="major", then=Value(0)), When(risk_grade="large", then=Value(1)),
        When(risk_grade="general", then=Value(2)), When(risk_grade="low", then=Value(3)),
        default=Value(4), output_field=IntegerField(),
    )
    ordered = places.annotate(
        late=Case(When(late, then=Value(0)), default=Value(1), output_field=IntegerField()), rank=rank
    ).order_by("late", "rank", "name", "id")
    items = list(ordered[:MY_PLACES_LIMIT])
    total = places.count() if len(items) == MY_PLACES_LIMIT else len(items)
    return {
        "key": "my_places", "title": _("我的场所"), "items": items, "count": total, "empty": not items,
        "url": link("places:list"), "grade_colours": FOUR_COLOURS, "today": ctx.today,
    }


FULL_CARDS: tuple[Callable[[CardContext], dict[str, Any] | None], ...] = (
    active_warnings,
    places_by_grade,
    inspections_overdue,
    hazards_by_colour,
    letters_this_year,
    staffing_shortfall,
    teams_ready,
    supplies_expiry,
    shelters_open,
    drills_this_year,
)
SHORT_CARDS: tuple[Callable[[CardContext], dict[str, Any] | None], ...] = (to_acknowledge, my_places, hazards_by_colour)


def wants_short_version(user: Any) -> bool:
    """Grid workers work from a phone in their grid: what to answer, then their places."""
    return getattr(user, "role", "") == Role.GRID_WORKER and not user.is_superuser


def build_cards(ctx: CardContext) -> list[dict[str, Any]]:
    chosen = SHORT_CARDS if wants_short_version(ctx.user) else FULL_CARDS
    return [card for card in (make(ctx) for make in chosen) if card is not None]
