"""Pages of the supplies app (装备物资)."""

from django.urls import URLPattern, URLResolver, path

from supplies import views

app_name = "supplies"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.supply_list, name="list"),
    path("new/", views.supply_create, name="create"),
    path("export.xlsx", views.supply_export, name="export"),
    path("movements/export.xlsx", views.movement_export, name="movements_export"),
    path("import/", views.supply_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/confirm/", views.supply_import_confirm, name="import_confirm"),
    path("alerts/", views.alerts, name="alerts"),
    path("points/", views.point_list, name="points"),
    path("points/new/", views.point_create, name="point_create"),
    path("points/export.xlsx", views.point_export, name="points_export"),
    path("points/import/", views.point_import, name="points_import"),
    path("points/import/template.xlsx", views.point_import_template, name="points_import_template"),
    path("points/import/confirm/", views.point_import_confirm, name="points_import_confirm"),
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
