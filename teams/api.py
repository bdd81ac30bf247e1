"""JSON API of the teams app (救援队伍)."""

from ninja import Router

router = Router(tags=["救援队伍"])
