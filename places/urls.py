"""Pages of the places app."""

from django.urls import URLPattern, URLResolver, path

from places import views

app_name = "places"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.place_list, name="list"),
    path("map/", views.place_map, name="map"),
    path("new/", views.place_create, name="create"),
    path("export.xlsx", views.place_export, name="export"),
    *views.IMPORT_PAGES.urls(),
    path("kinds/", views.kind_list, name="kinds"),
    path("kinds/new/", views.kind_create, name="kind_create"),
    path("kinds/<int:pk>/edit/", views.kind_edit, name="kind_edit"),
    path("<int:pk>/", views.place_detail, name="detail"),
    path("<int:pk>/edit/", views.place_edit, name="edit"),
    path("<int:pk>/archive/", views.place_archive, name="archive"),
    path("<int:pk>/restore/", views.place_restore, name="restore"),
    path("<int:pk>/occupancy/", views.place_occupancy, name="occupancy"),
    path("<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo_file, name="photo"),
    path("<int:pk>/photos/<int:photo_pk>/delete/", views.photo_remove, name="photo_remove"),
    path("<int:pk>/accounts/", views.account_link, name="account_link"),
    path("<int:pk>/accounts/<int:user_pk>/delete/", views.account_unlink, name="account_unlink"),
]
