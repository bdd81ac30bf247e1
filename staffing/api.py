"""JSON API of the staffing app (人员配备核查)."""

from ninja import Router

router = Router(tags=["人员配备"])
