"""JSON API of the inspections app."""

from ninja import Router

router = Router(tags=["inspections"])
