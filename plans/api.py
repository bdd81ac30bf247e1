"""JSON API of the plans app (预案、演练与培训)."""

from ninja import Router

router = Router(tags=["预案演练培训"])
