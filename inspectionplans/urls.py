"""Pages of the inspectionplans app: annual plans, inspection plans, draws and tasks."""

from django.urls import URLPattern, URLResolver, path

from inspectionplans import views

app_name = "inspectionplans"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("generate/", views.generate, name="generate"),
    path("annual/new/", views.annual_create, name="annual_create"),
    path("annual/<int:pk>/", views.annual_detail, name="annual"),
    path("annual/<int:pk>/edit/", views.annual_edit, name="annual_edit"),
    path("annual/<int:pk>/status/", views.annual_status, name="annual_status"),
    path("annual/<int:pk>/file/", views.annual_attachment, name="annual_file"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/status/", views.plan_status, name="status"),
    path("<int:pk>/tasks.xlsx", views.plan_export, name="export"),
    path("<int:pk>/draw/", views.draw_new, name="draw_new"),
    path("tasks/mine/", views.my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/<int:pk>/", views.draw_detail, name="draw"),
    path("draws/<int:pk>/verify/", views.draw_verify, name="draw_verify"),
    path("draws/<int:pk>/result.xlsx", views.draw_export, name="draw_export"),
]
