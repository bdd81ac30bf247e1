"""JSON API of the letters app (责任状)."""

from ninja import Router

router = Router(tags=["责任状"])
