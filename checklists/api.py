"""JSON API of the checklists app."""

from ninja import Router

router = Router(tags=["checklists"])
