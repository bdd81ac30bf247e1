"""Pages of the risk app."""

from django.urls import URLPattern, URLResolver

app_name = "risk"
urlpatterns: list[URLPattern | URLResolver] = []
