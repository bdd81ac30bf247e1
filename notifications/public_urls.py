"""The short public acknowledgement links, mounted at the site root by `yingji/urls.py`.

    path("", include("notifications.public_urls")),

gives `/n/<token>` (what SMS carry, the shorter the better) and `/ack/<token>`. Both show
the message and acknowledge it on opening (idempotently); the page's button POSTs the same.
"""

from django.urls import URLPattern, path

from notifications import views

urlpatterns: list[URLPattern] = [
    path("n/<str:token>", views.ack, name="short_ack"),
    path("ack/<str:token>", views.ack, name="ack_link"),
]
