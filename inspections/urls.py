"""Pages of inspections (检查记录)."""

from django.urls import path

from inspections import views

app_name = "inspections"
urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("export.xlsx", views.export, name="export"),
    path("start/", views.start, name="start"),
    path("self/", views.self_inspection, name="self"),
    path("tasks/<int:task_id>/", views.do_task, name="do"),
    path("<int:inspection_id>/", views.detail, name="detail"),
    path("<int:inspection_id>/walk/", views.walk, name="walk"),
    path("<int:inspection_id>/check-in/", views.check_in, name="check_in"),
    path("<int:inspection_id>/items/<int:item_id>/", views.record_item, name="item"),
    path("<int:inspection_id>/sign/", views.sign, name="sign"),
    path("<int:inspection_id>/finish/", views.finish, name="finish"),
    path("<int:inspection_id>/signature.png", views.signature, name="signature"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
]
