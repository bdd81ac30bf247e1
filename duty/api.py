"""JSON API of the duty app (值班值守)."""

from ninja import Router

router = Router(tags=["值班值守"])
