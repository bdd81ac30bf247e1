"""Pages of the shelters app."""

from django.urls import URLPattern, URLResolver, path

from shelters import views

app_name = "shelters"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.shelter_list, name="list"),
    path("new/", views.shelter_create, name="create"),
    path("capacity/", views.capacity, name="capacity"),
    path("export.xlsx", views.shelter_export, name="export"),
    *views.IMPORT_PAGES.urls(),
    path("<int:pk>/", views.shelter_detail, name="detail"),
    path("<int:pk>/edit/", views.shelter_edit, name="edit"),
    path("<int:pk>/occupancy/", views.occupancy, name="occupancy"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/routes/new/", views.route_create, name="route_create"),
    path("routes/<int:pk>/archive/", views.route_archive, name="route_archive"),
    path("<int:pk>/archive/", views.shelter_archive, name="archive"),
    path("<int:pk>/restore/", views.shelter_restore, name="restore"),
]
