"""Pages of the notifications app (mounted at /notifications/)."""

from django.urls import URLPattern, URLResolver, path

from notifications import views

app_name = "notifications"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("inbox/<int:pk>/ack/", views.inbox_ack, name="inbox_ack"),
    path("ack/<str:token>/", views.ack, name="ack"),
    path("sent/", views.notification_list, name="list"),
    path("sent/<int:pk>/", views.board, name="board"),
    path("deliveries/<int:pk>/phone-ack/", views.phone_ack, name="phone_ack"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("quotas/", views.quota_settings, name="quotas"),
    path("groups/", views.group_list, name="groups"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/archive/", views.group_archive, name="group_archive"),
]
