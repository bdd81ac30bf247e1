"""JSON API of the notifications app (通知与叫应)."""

from ninja import Router

router = Router(tags=["通知与叫应"])
