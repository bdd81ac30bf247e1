"""The public report pages, mounted at the site root by `yingji/urls.py`:

    path("", include("publicreports.public_urls")),

gives `/report/` (the form, no login), `/report/lookup` and `/report/<receipt>/` (the
outcome). Their own namespace, `public_report`, keeps them apart from the staff pages
(`publicreports:list` …) under `/public-reports/`.
"""

from django.urls import URLPattern, path

from publicreports import views

app_name = "public_report"
urlpatterns: list[URLPattern] = [
    path("report/", views.public_form, name="form"),
    path("report/lookup", views.lookup, name="lookup"),
    path("report/<str:receipt>/", views.outcome, name="outcome"),
]
