"""Pages of the warnings app."""

from django.urls import URLPattern, URLResolver

app_name = "earlywarning"
urlpatterns: list[URLPattern | URLResolver] = []
