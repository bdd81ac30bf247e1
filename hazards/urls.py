"""Pages of the hazards app: the ledger, one hazard and its actions, reporting, my tasks, supervision."""

from django.urls import URLPattern, URLResolver, include, path

from hazards import views

app_name = "hazards"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.hazard_list, name="list"),
    path("export.xlsx", views.hazard_export, name="export"),
    *views.IMPORT_PAGES.urls(),
    path("report/", views.hazard_report, name="report"),
    path("report/places/", views.place_search, name="place_search"),
    path("my-tasks/", views.my_tasks, name="my_tasks"),
    path("supervision/", views.supervision, name="supervision"),
    path("map.geojson", views.hazard_geojson, name="geojson"),
    path("<int:pk>/", views.hazard_detail, name="detail"),
    path("<int:pk>/actions/<str:action>/", views.hazard_act, name="act"),
    # Re-checks and deadline policies (the scan helper's pages), in this namespace.
    path("", include("hazards.urls_scan")),
]
