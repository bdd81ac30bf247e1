"""Home page (首页): the user's jurisdiction at a glance, the domain cards, staffing gaps and quick links."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dashboard.cards import CardContext, build_cards, wants_short_version
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from jurisdictions.views import counts_by_level, staffing_gaps
from people.models import Person, Position


def summary(node: Jurisdiction) -> dict[str, Any]:
    """Aggregates below one node; a fixed number of grouped queries whatever the tree's size."""
    levels = counts_by_level(node)
    by_kind = list(
        Position.objects.current()
        .filter(jurisdiction_path__within=node.path)
        .values("kind__name", "kind__sort_order")
        .annotate(n=Count("id"))
        .order_by("kind__sort_order", "kind__name")
    )
    below_levels = [lv for lv in Level if lv in levels]
    return {
        "node": node,
        "levels": [{"level": lv, "count": levels[lv]} for lv in below_levels],
        "people": Person.objects.active().filter(jurisdiction_path__within=node.path).count(),
        "positions": sum(row["n"] for row in by_kind),
        "by_kind": by_kind,
        "top": max((row["n"] for row in by_kind), default=0),
        "gaps": staffing_gaps(node),
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roots = list(Jurisdiction.objects.visible_roots().defer("boundary").order_by("path"))
    short = wants_short_version(request.user)
    cards: list[dict[str, Any]] = []
    if roots:
        ctx = CardContext(user=request.user, node=roots[0] if len(roots) == 1 else None, today=timezone.localdate())
        cards = build_cards(ctx)
    context = {
        "summaries": [] if short else [summary(root) for root in roots],
        "roots": roots,
        "short": short,
        "cards": cards,
        "grade_chart": next((card["chart"] for card in cards if card["key"] == "grades" and not card["empty"]), None),
    }
    return render(request, "dashboard/home.html", context)
