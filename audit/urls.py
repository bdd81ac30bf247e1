from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.changes, name="changes"),
    path("logins/", views.logins, name="logins"),
]
