"""JSON API of the places app (单位场所)."""

from ninja import Router

router = Router(tags=["场所"])
