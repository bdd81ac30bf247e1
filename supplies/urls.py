"""Pages of the supplies app (装备物资)."""

from django.urls import URLPattern, URLResolver, path

from supplies import views

app_name = "supplies"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.supply_list, name="list"),
    path("new/", views.supply_create, name="create"),
    path("export.xlsx", views.supply_export, name="export"),
    path("movements/export.xlsx", views.movement_export, name="movements_export"),
    *views.SUPPLY_PAGES.urls(),
    path("alerts/", views.alerts, name="alerts"),
    path("points/", views.point_list, name="points"),
    path("points/new/", views.point_create, name="point_create"),
    path("points/export.xlsx", views.point_export, name="points_export"),
    *views.POINT_PAGES.urls(prefix="points/import/"),
    path("points/<int:pk>/", views.point_detail, name="point_detail"),
    path("points/<int:pk>/edit/", views.point_edit, name="point_edit"),
    path("points/<int:pk>/archive/", views.point_archive, name="point_archive"),
    path("kits/", views.kits, name="kits"),
    path("kits/<str:code>/", views.kit_village, name="kit_village"),
    path("<int:pk>/", views.supply_detail, name="detail"),
    path("<int:pk>/edit/", views.supply_edit, name="edit"),
    path("<int:pk>/move/", views.supply_move, name="move"),
    path("<int:pk>/archive/", views.supply_archive, name="archive"),
    path("<int:pk>/restore/", views.supply_restore, name="restore"),
]
