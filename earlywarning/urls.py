"""Pages of the warnings app (mounted at /warnings/)."""

from django.urls import URLPattern, URLResolver, path

from earlywarning import views

app_name = "earlywarning"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.warning_list, name="list"),
    path("new/", views.warning_create, name="create"),
    path("from-cap/", views.warning_from_cap, name="from_cap"),
    path("levels/", views.levels, name="levels"),
    path("rules/", views.rules, name="rules"),
    path("rules/kinds/<slug:code>/", views.rules_kind, name="rules_kind"),
    path("rules/levels/<slug:level>/", views.rules_level, name="rules_level"),
    path("<int:pk>/", views.warning_detail, name="detail"),
    path("<int:pk>/edit/", views.warning_edit, name="edit"),
    path("<int:pk>/issue/", views.warning_issue, name="issue"),
    path("<int:pk>/update/", views.warning_update, name="update"),
    path("<int:pk>/extend/", views.warning_extend, name="extend"),
    path("<int:pk>/lift/", views.warning_lift, name="lift"),
    path("<int:pk>/board/", views.warning_board, name="board"),
    path("<int:pk>/board.xlsx", views.warning_board_export, name="board_export"),
    path("<int:pk>/cap.xml", views.warning_cap, name="cap"),
]
