"""Pages of the duty app."""

from django.urls import URLPattern, URLResolver, path

from duty import views

app_name = "duty"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("shifts/new/", views.shift_create, name="create"),
    path("generate/", views.generate, name="generate"),
    path("export.xlsx", views.export, name="export"),
    *views.IMPORT_PAGES.urls(),
    path("shifts/<int:pk>/", views.shift_detail, name="shift"),
    path("shifts/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("assignments/<int:pk>/override/", views.override, name="override"),
    path("assignments/<int:pk>/swap/", views.swap, name="swap"),
]
