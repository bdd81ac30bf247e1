"""Who a warning reaches (接收对象): resolved once, when it is issued, in a fixed number of queries.

Sources, deduplicated by person (the first source that names a person wins):
1. current holders of the position kinds the warning kind names (`WarningKind.position_kinds`)
   in the area, plus those held at the area's ancestors down from township level (the
   township station chief of a village's warning), within the issuer's scope;
2. the named contacts of places of the chosen place kinds in the area (matched to registered
   people by mobile; unmatched contacts are kept with name and mobile, marked unreachable);
3. the group channels (村社工作群/广播) of the villages in the area.

The area is the union of the chosen nodes' subtrees and of the nodes whose boundary meets
the drawn polygon (bounding-box prefilter in SQL, exact test in shapely).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Q
from shapely.geometry import shape
from shapely.prepared import prep

from earlywarning.choices import RecipientSource
from earlywarning.models import EarlyWarning, WarningRecipient
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.models import Person, Position
from yingji.scoping import path_codes

# Ancestors of the area from this depth down also receive (county = 0, township = 1).
ANCESTOR_MIN_DEPTH = 1
PLACE_CONTACTS = (
    ("legal_rep_name", "legal_rep_mobile", "法定代表人"),
    ("fire_responsible_name", "fire_responsible_mobile", "消防安全责任人"),
    ("fire_manager_name", "fire_manager_mobile", "消防安全管理人"),
)


@dataclass
class Resolution:
    """The resolved recipients (unsaved rows) and the nodes the area covers."""

    rows: list[WarningRecipient] = field(default_factory=list)
    area_nodes: list[Jurisdiction] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def unreachable(self) -> int:
        return sum(1 for row in self.rows if not row.reachable)

    def by_source(self) -> dict[str, int]:
        return dict(Counter(row.source for row in self.rows))

    def by_jurisdiction(self, names: dict[int, str]) -> list[tuple[str, int]]:
        counts = Counter(row.jurisdiction_id for row in self.rows)
        return sorted(((names.get(pk, "—"), n) for pk, n in counts.items()), key=lambda item: item[0])


def collapse_paths(paths: Iterable[str]) -> list[str]:
    """Drop paths inside another path of the set: /a/b/ is covered by /a/."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(root) for root in kept):
            kept.append(path)
    return sorted(kept)


def polygon_nodes(polygon: dict[str, Any]) -> list[Jurisdiction]:
    """The lowest-level nodes in scope (grids, else villages) whose boundary meets the polygon."""
    geom = shape(polygon)
    min_x, min_y, max_x, max_y = geom.bounds
    prepared = prep(geom)
    for level in (Level.GRID, Level.VILLAGE, Level.TOWNSHIP):
        candidates = Jurisdiction.objects.active().filter(
            level=level, boundary__isnull=False, min_lng__lte=max_x, max_lng__gte=min_x, min_lat__lte=max_y, max_lat__gte=min_y
        )
        hits = [node for node in candidates if prepared.intersects(shape(node.boundary))]
        if hits:
            return hits
    return []


def area_of(warning: EarlyWarning, nodes: list[Jurisdiction] | None = None) -> list[Jurisdiction]:
    """Chosen nodes (scoped) plus the polygon's nodes, without duplicates."""
    chosen = list(nodes) if nodes is not None else list(warning.area_nodes.all())
    if warning.area_polygon:
        chosen += polygon_nodes(warning.area_polygon)
    unique = {node.pk: node for node in chosen}
    return sorted(unique.values(), key=lambda node: node.path)


def _ancestor_codes(area: list[Jurisdiction]) -> set[str]:
    codes: set[str] = set()
    for node in area:
        chain = path_codes(node.path)
        codes.update(chain[ANCESTOR_MIN_DEPTH : len(chain) - 1])
    return codes


def _subtree(paths: list[str], field_name: str) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field_name}__within": path})
    return condition


def resolve(warning: EarlyWarning, nodes: list[Jurisdiction] | None = None) -> Resolution:
    """Resolve a warning's recipients; reads only what the active scope allows."""
    area = area_of(warning, nodes)
    result = Resolution(area_nodes=area)
    if not area:
        return result
    paths = collapse_paths(node.path for node in area)
    ancestors = _ancestor_codes(area)
    seen_people: set[int] = set()

    def add(row: WarningRecipient) -> None:
        if row.person_id is not None:
            if row.person_id in seen_people:
                return
            seen_people.add(row.person_id)
        result.rows.append(row)

    kind_ids = list(warning.kind.position_kinds.values_list("pk", flat=True))
    if kind_ids:
        positions = (
            Position.objects.current()
            .filter(kind_id__in=kind_ids, person__archived_at__isnull=True)
            .filter(_subtree(paths, "jurisdiction_path") | Q(jurisdiction__code__in=ancestors))
            .order_by("jurisdiction_path", "kind__sort_order", "id")
            .values_list("pk", "person_id", "person__name", "person__mobile", "jurisdiction_id", "kind__name")
        )
        for position_id, person_id, name, mobile, node_id, kind_name in positions:
            add(
                WarningRecipient(
                    warning=warning,
                    person_id=person_id,
                    position_id=position_id,
                    jurisdiction_id=node_id,
                    source=RecipientSource.POSITION,
                    label=kind_name,
                    name=name,
                    mobile=mobile,
                )
            )

    if warning.place_kinds:
        _add_place_contacts(warning, paths, add, result)
    _add_group_channels(warning, area, paths, result)
    return result


def _add_place_contacts(warning: EarlyWarning, paths: list[str], add: Any, result: Resolution) -> None:
    if not apps.is_installed("places"):
        return
    place_model = apps.get_model("places", "Place")
    columns = [c for trio in PLACE_CONTACTS for c in trio[:2]]
    places = list(
        place_model.objects.active()
        .filter(_subtree(paths, "jurisdiction_path"), kind__code__in=warning.place_kinds)
        .order_by("jurisdiction_path", "name", "id")
        .values("name", "jurisdiction_id", *columns)
    )
    mobiles = {p[mobile] for p in places for _, mobile, _ in PLACE_CONTACTS if p[mobile]}
    people = dict(Person.objects.active().filter(mobile__in=mobiles).values_list("mobile", "pk")) if mobiles else {}
    seen_mobiles: set[str] = set()
    for place in places:
        for name_col, mobile_col, role in PLACE_CONTACTS:
            mobile = place[mobile_col]
            if not mobile or mobile in seen_mobiles:
                continue
            seen_mobiles.add(mobile)
            add(
                WarningRecipient(
                    warning=warning,
                    person_id=people.get(mobile),
                    jurisdiction_id=place["jurisdiction_id"],
                    source=RecipientSource.PLACE,
                    label=f"{place['name']} {role}"[:120],
                    name=place[name_col] or role,
                    mobile=mobile,
                )
            )


def _add_group_channels(warning: EarlyWarning, area: list[Jurisdiction], paths: list[str], result: Resolution) -> None:
    """The enabled group channels (DingTalk/WeCom groups, broadcast) of the villages in the area."""
    from notifications.models import GroupChannel

    channels = GroupChannel.objects.filter(_subtree(paths, "jurisdiction_path"), jurisdiction__level=Level.VILLAGE)
    channels = channels.filter(archived_at__isnull=True, enabled=True)
    for channel_id, node_id, name in channels.order_by("jurisdiction_path", "id").values_list("pk", "jurisdiction_id", "name"):
        result.rows.append(
            WarningRecipient(
                warning=warning,
                group_channel_id=channel_id,
                jurisdiction_id=node_id,
                source=RecipientSource.CHANNEL,
                label=str(name)[:120],
                name=str(name)[:60],
            )
        )
