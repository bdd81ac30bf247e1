"""Pages of the staffing check (人员配备核查)."""

from django.urls import path

from staffing import views

app_name = "staffing"
urlpatterns = [
    path("", views.report, name="report"),
    path("export.xlsx", views.export, name="export"),
    path("standards/", views.standards, name="standards"),
]
