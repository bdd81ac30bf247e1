"""Pages of the decision aid (重大隐患判定)."""

from django.urls import path

from hazardrules import views

app_name = "hazardrules"
urlpatterns = [
    path("", views.aid, name="aid"),
    path("save/", views.save, name="save"),
    path("tables/", views.tables, name="tables"),
]
