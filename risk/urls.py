"""Pages of the risk app (`/risk/`)."""

from django.urls import URLPattern, URLResolver, path

from risk import views

app_name = "risk"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.overview, name="overview"),
    path("places/", views.place_list, name="places"),
    path("places/<int:pk>/", views.place_risk, name="place"),
    path("places/<int:pk>/signals/", views.record_signal, name="record_signal"),
    path("places/<int:pk>/inspections/", views.record_inspection, name="record_inspection"),
    path("places/<int:pk>/regrade/", views.regrade, name="regrade"),
    path("signals/<int:pk>/resolve/", views.resolve_signal, name="resolve_signal"),
    path("model/", views.model_editor, name="model"),
    path("policies/", views.policy_save, name="policy_save"),
    path("policies/<int:pk>/delete/", views.policy_delete, name="policy_delete"),
]
