"""Pages of the scan helper (re-checks, deadline policies); included by `hazards.urls` in its namespace."""

from django.urls import URLPattern, URLResolver, path

from hazards import views_scan

urlpatterns: list[URLPattern | URLResolver] = [
    path("rechecks/", views_scan.recheck_list, name="rechecks"),
    path("rechecks/<int:pk>/result/", views_scan.recheck_record, name="recheck_record"),
    path("policies/", views_scan.policy_list, name="policies"),
]
