"""JSON API of the supplies app (装备物资)."""

from ninja import Router

router = Router(tags=["装备物资"])
