"""JSON API of the inspectionplans app."""

from ninja import Router

router = Router(tags=["inspectionplans"])
