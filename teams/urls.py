"""Pages of the teams app."""

from django.urls import URLPattern, URLResolver, path

from teams import views
from yingji.ledgers.pages import keyed_urls

app_name = "teams"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.team_list, name="list"),
    path("new/", views.team_create, name="create"),
    path("nearest/", views.nearest, name="nearest"),
    path("compliance/", views.compliance_view, name="compliance"),
    path("standards/", views.standard_list, name="standards"),
    path("standards/<int:pk>/edit/", views.standard_edit, name="standard_edit"),
    path("export.xlsx", views.team_export, name="export"),
    path("members/export.xlsx", views.member_export, name="member_export"),
    *keyed_urls(views.IMPORT_PAGES),
    path("<int:pk>/", views.team_detail, name="detail"),
    path("<int:pk>/edit/", views.team_edit, name="edit"),
    path("<int:pk>/archive/", views.team_archive, name="archive"),
    path("<int:pk>/restore/", views.team_restore, name="restore"),
    path("<int:pk>/status/", views.team_status, name="status"),
    path("<int:pk>/members/new/", views.member_add, name="member_add"),
    path("<int:pk>/vehicles/new/", views.vehicle_add, name="vehicle_add"),
    path("members/<int:pk>/end/", views.member_end, name="member_end"),
    path("members/<int:pk>/duty/", views.member_duty, name="member_duty"),
    path("members/<int:pk>/certificates/new/", views.certificate_add, name="certificate_add"),
    path("certificates/<int:pk>/renew/", views.certificate_renew, name="certificate_renew"),
    path("vehicles/<int:pk>/edit/", views.vehicle_edit, name="vehicle_edit"),
    path("vehicles/<int:pk>/archive/", views.vehicle_archive, name="vehicle_archive"),
]
