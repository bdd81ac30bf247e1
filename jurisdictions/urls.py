from django.urls import path, re_path

from jurisdictions import views

app_name = "jurisdictions"
urlpatterns = [
    path("", views.index, name="index"),
    path("map/", views.map_page, name="map"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("boundaries.geojson", views.export_geojson, name="export_geojson"),
    re_path(r"^(?P<code>\d{6,20})/$", views.detail, name="detail"),
    re_path(r"^(?P<code>\d{6,20})/edit/$", views.edit, name="edit"),
]
