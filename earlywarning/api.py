"""JSON API of the earlywarning app (预警)."""

from ninja import Router

router = Router(tags=["预警"])
