"""Who must sign which letter, who has, and the roll-up per child jurisdiction.

All counts are grouped queries over the scoped managers, rolled up to the children of the
node in Python (paths are short), so a county page costs the same few queries as a village's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, QuerySet

from jurisdictions.models import Jurisdiction
from letters.choices import LetterKind
from letters.models import LetterRule, ResponsibilityLetter
from places.choices import OccupancyStatus
from places.models import Place
from yingji.scoping import path_codes


def rules() -> dict[str, LetterRule]:
    return {rule.kind: rule for rule in LetterRule.objects.filter(active=True)}


def places_required(kind: str, rule: LetterRule | None = None) -> QuerySet[Place]:
    """Operating, unarchived places in scope that the rule for `kind` says must sign."""
    rule = rule if rule is not None else LetterRule.objects.filter(kind=kind, active=True).first()
    places = Place.objects.filter(archived_at__isnull=True, occupancy_status=OccupancyStatus.OPERATING)
    if rule is None:
        return places.none()
    if rule.categories:
        places = places.filter(kind__category__in=rule.categories)
    return places


def signed_letters(year: int, kind: str | None = None) -> QuerySet[ResponsibilityLetter]:
    letters = ResponsibilityLetter.objects.filter(year=year, archived_at__isnull=True)
    return letters.filter(kind=kind) if kind else letters


def unsigned_places(year: int, kind: str) -> QuerySet[Place]:
    """The places that must sign `kind` for `year` and have no live letter for it."""
    signed = ResponsibilityLetter.objects.filter(place=OuterRef("pk"), year=year, kind=kind, archived_at__isnull=True)
    return places_required(kind).exclude(Exists(signed))


@dataclass
class KindTally:
    required: int = 0
    signed: int = 0

    @property
    def unsigned(self) -> int:
        return max(0, self.required - self.signed)

    @property
    def percent(self) -> int | None:
        return None if not self.required else round(100 * self.signed / self.required)


@dataclass
class LetterRow:
    node: Jurisdiction
    tallies: dict[str, KindTally] = field(default_factory=lambda: {k.value: KindTally() for k in LetterKind})

    def by_kind(self) -> list[tuple[str, str, KindTally]]:
        return [(k.value, str(k.label), self.tallies[k.value]) for k in LetterKind]


@dataclass
class LetterSummary:
    year: int
    total: LetterRow
    rows: list[LetterRow]


def summary(node: Jurisdiction, year: int) -> LetterSummary:
    """Required vs signed per kind for `node` and each child, in 2 grouped queries per kind."""
    children = list(
        Jurisdiction.objects.filter(parent=node, archived_at__isnull=True).defer("boundary").order_by("sort_order", "code")
    )
    total = LetterRow(node=node)
    rows = {child.code: LetterRow(node=child) for child in children}
    child_index = len(path_codes(node.path))

    def add(path: str, kind: str, attr: str, n: int) -> None:
        setattr(total.tallies[kind], attr, getattr(total.tallies[kind], attr) + n)
        codes = path_codes(path)
        if len(codes) > child_index and codes[child_index] in rows:
            tally = rows[codes[child_index]].tallies[kind]
            setattr(tally, attr, getattr(tally, attr) + n)

    active_rules = rules()
    for kind, rule in active_rules.items():
        required = (
            places_required(kind, rule)
            .filter(jurisdiction_path__within=node.path)
            .values("jurisdiction_path")
            .annotate(n=Count("id"))
            .order_by()
        )
        for entry in required:
            add(entry["jurisdiction_path"], kind, "required", entry["n"])
        signed_places = places_required(kind, rule).filter(jurisdiction_path__within=node.path).filter(
            Exists(ResponsibilityLetter.objects.filter(place=OuterRef("pk"), year=year, kind=kind, archived_at__isnull=True))
        )
        for entry in signed_places.values("jurisdiction_path").annotate(n=Count("id")).order_by():
            add(entry["jurisdiction_path"], kind, "signed", entry["n"])
    return LetterSummary(year=year, total=total, rows=list(rows.values()))


def letters_by_place(place_ids: list[int], year: int) -> dict[int, dict[str, ResponsibilityLetter]]:
    found: dict[int, dict[str, ResponsibilityLetter]] = defaultdict(dict)
    for letter in signed_letters(year).filter(place_id__in=place_ids):
        found[letter.place_id][letter.kind] = letter
    return found
