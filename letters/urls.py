"""Pages of responsibility letters (责任状)."""

from django.urls import path

from letters import views

app_name = "letters"
urlpatterns = [
    path("", views.summary, name="summary"),
    path("export.xlsx", views.export, name="export"),
    *views.IMPORT_PAGES.urls(),
    path("unsigned/", views.unsigned, name="unsigned"),
    path("unsigned/export.xlsx", views.unsigned_export, name="unsigned_export"),
    path("sign-many/", views.sign_many, name="sign_many"),
    path("places/<int:place_id>/sign/", views.sign_for_place, name="sign_for_place"),
    path("<int:letter_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:letter_id>/attachment/", views.attachment, name="attachment"),
]
