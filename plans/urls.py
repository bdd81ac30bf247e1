"""Pages of the plans app: plans, position cards, drills, training and publicity."""

from django.urls import URLPattern, URLResolver, path

from plans import views

app_name = "plans"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("export.xlsx", views.plan_export, name="export"),
    path("import/", views.ledger_import, {"key": "plans"}, name="import"),
    path("import/template.xlsx", views.ledger_template, {"key": "plans"}, name="import_template"),
    path("import/confirm/", views.ledger_import_confirm, {"key": "plans"}, name="import_confirm"),
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
    path("drills/import/", views.ledger_import, {"key": "drills"}, name="drill_import"),
    path("drills/import/template.xlsx", views.ledger_template, {"key": "drills"}, name="drill_import_template"),
    path("drills/import/confirm/", views.ledger_import_confirm, {"key": "drills"}, name="drill_import_confirm"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("drills/<int:pk>/edit/", views.drill_edit, name="drill_edit"),
    path("drills/<int:pk>/actions/", views.drill_action_add, name="drill_action_add"),
    path("drills/<int:pk>/attachments/", views.drill_attachment, name="drill_attachment"),
    path("drill-actions/<int:pk>/done/", views.drill_action_done, name="drill_action_done"),
    path("trainings/", views.training_index, name="trainings"),
    path("trainings/new/", views.training_create, name="training_create"),
    path("trainings/export.xlsx", views.training_export, name="training_export"),
    path("trainings/import/", views.ledger_import, {"key": "trainings"}, name="training_import"),
    path("trainings/import/template.xlsx", views.ledger_template, {"key": "trainings"}, name="training_import_template"),
    path("trainings/import/confirm/", views.ledger_import_confirm, {"key": "trainings"}, name="training_import_confirm"),
    path("trainings/<int:pk>/", views.training_detail, name="training_detail"),
]
