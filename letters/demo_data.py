"""Demo step: last year's and this year's responsibility letters, mostly but not all signed."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from demo.context import DemoContext
from demo.registry import demo_step
from letters.actions import default_signatory
from letters.choices import LetterKind
from letters.models import ResponsibilityLetter
from places.choices import OccupancyStatus
from places.models import Place

BATCH_SIZE = 1000
# Share of places that have signed each letter: last year's campaign is nearly done, this
# year's is under way, and the flood letter is collected before the typhoon season.
SIGNED_SHARE = {
    "last": {LetterKind.SAFETY: 0.93, LetterKind.FIRE: 0.9, LetterKind.FLOOD: 0.88},
    "this": {LetterKind.SAFETY: 0.72, LetterKind.FIRE: 0.66, LetterKind.FLOOD: 0.58},
}


@demo_step(order=470, label="责任状")
def seed_letters(ctx: DemoContext) -> str:
    rng = ctx.rng("letters")
    today = timezone.localdate()
    places = list(
        Place.unscoped.filter(archived_at__isnull=True, occupancy_status=OccupancyStatus.OPERATING)
        .select_related("jurisdiction")
        .only("id", "jurisdiction_id", "jurisdiction__path", "legal_rep_name", "fire_responsible_name")
        .order_by("id")
    )
    letters: list[ResponsibilityLetter] = []
    for which, year in (("last", today.year - 1), ("this", today.year)):
        campaign_start = date(year, 1, 5)
        campaign_days = max(1, min((today - campaign_start).days, 300))
        for place in places:
            for kind, share in SIGNED_SHARE[which].items():
                if rng.random() >= share:
                    continue
                signatory = default_signatory(place, kind)
                if not signatory:
                    continue
                letters.append(
                    ResponsibilityLetter(
                        place=place,
                        jurisdiction_id=place.jurisdiction_id,
                        jurisdiction_path=place.jurisdiction.path,
                        year=year,
                        kind=kind,
                        signed_on=campaign_start + timedelta(days=rng.randrange(campaign_days)),
                        signatory=signatory,
                        countersigned_by="",
                    )
                )
    ResponsibilityLetter.unscoped.bulk_create(letters, batch_size=BATCH_SIZE)
    return f"{len(letters)} 份责任状（{today.year - 1}、{today.year} 年）"
