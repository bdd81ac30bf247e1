"""JSON API of the publicreports app."""

from ninja import Router

router = Router(tags=["publicreports"])
