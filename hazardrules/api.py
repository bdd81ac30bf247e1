"""JSON API of the hazardrules app."""

from ninja import Router

router = Router(tags=["hazardrules"])
