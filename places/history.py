"""A place's timeline: its own changes plus those of its photos and linked accounts."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from audit.models import ObjectChange
from places.models import Place, PlaceAccount, PlacePhoto


def place_history(place: Place) -> QuerySet[ObjectChange]:
    """Newest first. Photos and account links may be deleted, so they are found by the place id
    recorded in their before/after snapshot rather than by their own (gone) rows."""
    place_type = ContentType.objects.get_for_model(Place)
    condition = Q(content_type=place_type, object_id=str(place.pk))
    for model in (PlacePhoto, PlaceAccount):
        content_type = ContentType.objects.get_for_model(model)
        condition |= Q(content_type=content_type, after__place_id=place.pk) | Q(content_type=content_type, before__place_id=place.pk)
    return ObjectChange.unscoped.filter(condition).select_related("user", "content_type").order_by("-time", "-id")
