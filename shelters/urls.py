"""Pages of the shelters app."""

from django.urls import URLPattern, URLResolver

app_name = "shelters"
urlpatterns: list[URLPattern | URLResolver] = []
