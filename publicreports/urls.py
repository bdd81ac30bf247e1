"""Staff pages of public reports: the triage queue and each report with its decisions."""

from django.urls import URLPattern, path

from publicreports import views

app_name = "publicreports"
urlpatterns: list[URLPattern] = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/duplicate/", views.duplicate, name="duplicate"),
    path("<int:pk>/reward/", views.reward, name="reward"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
]
