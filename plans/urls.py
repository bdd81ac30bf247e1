"""Pages of the plans app: plans, position cards, drills, training and publicity."""

from django.urls import URLPattern, URLResolver, path

from plans import views

app_name = "plans"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("export.xlsx", views.plan_export, name="export"),
    *views.PLAN_PAGES.urls(),
    path("handbook/<str:code>.docx", views.handbook, name="handbook"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/sections/", views.plan_sections, name="sections"),
    path("<int:pk>/status/", views.plan_status, name="status"),
    path("<int:pk>/attachments/", views.plan_attachment, name="plan_attachment"),
    path("<int:pk>/cards/new/", views.card_create, name="card_create"),
    path("<int:pk>/cards/print/", views.cards_print, name="cards_print"),
    path("cards/<int:pk>/edit/", views.card_edit, name="card_edit"),
    path("drills/", views.drill_index, name="drills"),
    path("drills/new/", views.drill_create, name="drill_create"),
    path("drills/export.xlsx", views.drill_export, name="drill_export"),
    *views.DRILL_PAGES.urls(prefix="drills/import/"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("drills/<int:pk>/edit/", views.drill_edit, name="drill_edit"),
    path("drills/<int:pk>/actions/", views.drill_action_add, name="drill_action_add"),
    path("drills/<int:pk>/attachments/", views.drill_attachment, name="drill_attachment"),
    path("drill-actions/<int:pk>/done/", views.drill_action_done, name="drill_action_done"),
    path("trainings/", views.training_index, name="trainings"),
    path("trainings/new/", views.training_create, name="training_create"),
    path("trainings/export.xlsx", views.training_export, name="training_export"),
    *views.TRAINING_PAGES.urls(prefix="trainings/import/"),
    path("trainings/<int:pk>/", views.training_detail, name="training_detail"),
]
