"""The overlays of the one map (一张图): which layers exist and what the browser needs to draw them.

Each overlay is declared once here as data: the API path it reads, which query parameters
that endpoint understands (`bbox`, `jurisdiction`), the page a feature links to, and the
legend. An overlay is offered only when its API path resolves and its app is installed, so
a deployment that switches an app off loses that layer instead of a broken map. Nothing
is fetched here: the browser loads each layer from the same origin, scoped by the API.
See docs/one-map.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

API_ROOT = "/api/v1/"

# The four-colour convention (红橙黄蓝) shared by risk grades and warning levels.
FOUR_COLOURS = {"red": "#d32f2f", "orange": "#ef6c00", "yellow": "#f9a825", "blue": "#1565c0"}
UNGRADED_COLOUR = "#8a8f98"


@dataclass(frozen=True)
class Overlay:
    key: str
    label: str | Promise
    app: str
    path: str  # below /api/v1/
    detail_url_name: str = ""  # a page taking the feature's id, e.g. "places:detail"
    params: tuple[str, ...] = ("jurisdiction",)  # what the endpoint filters on
    fixed: dict[str, str] = field(default_factory=dict)  # query parameters always sent
    format: str = "geojson"  # or "warnings": a paginated warning list with areas
    url_name: str = ""  # a page (session) endpoint to read instead of the API path
    limit: Callable[[], int | None] = lambda: None  # features the endpoint returns at most
    legend: Callable[[], list[dict[str, str]]] = lambda: []


def _places_limit() -> int | None:
    from places import api

    limit = getattr(api, "GEOJSON_LIMIT", None)
    return int(limit) if limit else None


def _grade_legend() -> list[dict[str, str]]:
    from places.choices import RiskGrade

    rows = [{"value": g.value, "label": str(g.label), "colour": FOUR_COLOURS[g.colour]} for g in RiskGrade]
    return [*rows, {"value": "", "label": _("未定级"), "colour": UNGRADED_COLOUR}]


def _team_legend() -> list[dict[str, str]]:
    from teams.choices import STATUS_COLOURS, TeamStatus

    return [{"value": s.value, "label": str(s.label), "colour": STATUS_COLOURS.get(s, "#555555")} for s in TeamStatus]


def _storage_legend() -> list[dict[str, str]]:
    return [
        {"value": "ok", "label": _("储备点"), "colour": "#6a1b9a"},
        {"value": "expired", "label": _("有过期物资"), "colour": "#c8281e"},
    ]


def _shelter_legend() -> list[dict[str, str]]:
    from shelters.choices import STATUS_COLOURS, ShelterStatus

    rows = [{"value": s.value, "label": str(s.label), "colour": STATUS_COLOURS[s]} for s in ShelterStatus]
    return [*rows, {"value": "route", "label": _("转移路线"), "colour": "#00838f", "shape": "line"}]


def _hazard_legend() -> list[dict[str, str]]:
    from hazards.choices import Colour

    hexes = {"red": "#d32f2f", "yellow": "#f9a825", "green": "#2e7d32"}
    return [{"value": c.value, "label": str(c.label), "colour": hexes[c.value]} for c in (Colour.RED, Colour.YELLOW, Colour.GREEN)]


def _hazard_limit() -> int | None:
    from hazards.views import GEOJSON_LIMIT

    return GEOJSON_LIMIT


def _warning_legend() -> list[dict[str, str]]:
    from earlywarning.choices import Level

    return [{"value": lv.value, "label": str(lv.label), "colour": FOUR_COLOURS[lv.value]} for lv in Level]


OVERLAYS: tuple[Overlay, ...] = (
    Overlay(
        "places", gettext_lazy("单位场所（风险等级）"), "places", "places/geojson", "places:detail",
        params=("bbox", "jurisdiction"), limit=_places_limit, legend=_grade_legend,
    ),
    Overlay("teams", gettext_lazy("救援队伍"), "teams", "teams/geojson", "teams:detail", legend=_team_legend),
    Overlay(
        "storage", gettext_lazy("物资储备点"), "supplies", "storage-points.geojson", "supplies:point_detail",
        legend=_storage_legend,
    ),
    Overlay(
        "shelters", gettext_lazy("避灾场所与转移路线"), "shelters", "shelters/geojson", "shelters:detail",
        legend=_shelter_legend,
    ),
    Overlay(
        "warnings", gettext_lazy("生效预警区域"), "earlywarning", "warnings", "earlywarning:detail",
        fixed={"state": "active", "page_size": "200"}, format="warnings", legend=_warning_legend,
    ),
    # Open hazards by deadline colour; served by the hazards pages (session), limited to the view's box.
    Overlay(
        "hazards", gettext_lazy("在办隐患（期限颜色）"), "hazards", "", "hazards:detail",
        params=("bbox", "jurisdiction"), url_name="hazards:geojson", legend=_hazard_legend,
        limit=_hazard_limit,
    ),
)


def _overlay_url(overlay: Overlay) -> str | None:
    if not overlay.url_name:
        return API_ROOT + overlay.path
    try:
        return reverse(overlay.url_name)
    except NoReverseMatch:
        return None


def endpoint_exists(url: str) -> bool:
    """Whether `url` is served by a route of exactly that path (not read as an id of another)."""
    try:
        match = resolve(url)
    except Resolver404:
        return False
    return not match.args and not match.kwargs


def _detail_template(url_name: str) -> str:
    """The page URL of feature 0; the browser puts the feature's id in place of the 0."""
    if not url_name:
        return ""
    try:
        return reverse(url_name, args=[0])
    except NoReverseMatch:
        return ""


def available_overlays(overlays: tuple[Overlay, ...] | None = None) -> list[dict[str, Any]]:
    """The overlays this deployment serves (of `overlays`, default all), as the JSON the map script reads."""
    found = []
    for overlay in OVERLAYS if overlays is None else overlays:
        url = _overlay_url(overlay)
        if url is None or not apps.is_installed(overlay.app) or not endpoint_exists(url):
            continue
        found.append(
            {
                "key": overlay.key,
                "label": str(overlay.label),
                "url": url,
                "params": list(overlay.params),
                "fixed": overlay.fixed,
                "format": overlay.format,
                "limit": overlay.limit(),
                "detail": _detail_template(overlay.detail_url_name),
                "legend": overlay.legend(),
            }
        )
    return found
