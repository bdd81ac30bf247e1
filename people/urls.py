from django.urls import path

from people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("export.xlsx", views.person_export, name="export"),
    *views.IMPORT_PAGES.urls(),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/archive/", views.person_archive, name="archive"),
    path("<int:pk>/restore/", views.person_restore, name="restore"),
    path("<int:pk>/appoint/", views.appoint, name="appoint"),
    path("positions/<int:pk>/end/", views.end_position, name="end_position"),
    path("kinds/", views.kind_list, name="kinds"),
    path("kinds/<int:pk>/edit/", views.kind_edit, name="kind_edit"),
]
