"""Pages of checklists (检查清单)."""

from django.urls import path

from checklists import views

app_name = "checklists"
urlpatterns = [
    path("", views.checklist_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/items/add/", views.item_add, name="item_add"),
    path("<int:pk>/items/<int:item_id>/edit/", views.item_edit, name="item_edit"),
    path("<int:pk>/items/<int:item_id>/move/", views.item_move, name="item_move"),
    path("<int:pk>/items/<int:item_id>/remove/", views.item_remove, name="item_remove"),
    path("<int:pk>/new-version/", views.new_version, name="new_version"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/archive/", views.archive, name="archive"),
    path("<int:pk>/versions/", views.versions, name="versions"),
    path("<int:pk>/export.xlsx", views.export, name="export"),
    *views.import_urls(),
]
