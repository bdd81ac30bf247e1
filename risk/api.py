"""JSON API of the risk app (风险分级与检查频次)."""

from ninja import Router

router = Router(tags=["风险分级"])
