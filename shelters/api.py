"""JSON API of the shelters app (避灾安置场所)."""

from ninja import Router

router = Router(tags=["避灾安置场所"])
