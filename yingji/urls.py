"""Top-level URL map: pages per app, the JSON API under /api/v1/, and /healthz."""

from django.contrib import admin
from django.urls import include, path

from yingji.api import api
from yingji.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("jurisdictions/", include("jurisdictions.urls")),
    path("people/", include("people.urls")),
    path("audit/", include("audit.urls")),
    path("places/", include("places.urls")),
    path("risk/", include("risk.urls")),
    path("letters/", include("letters.urls")),
    path("staffing/", include("staffing.urls")),
    path("notifications/", include("notifications.urls")),
    path("duty/", include("duty.urls")),
    path("warnings/", include("earlywarning.urls")),
    path("teams/", include("teams.urls")),
    path("supplies/", include("supplies.urls")),
    path("shelters/", include("shelters.urls")),
    path("plans/", include("plans.urls")),
    path("checklists/", include("checklists.urls")),
    path("hazard-rules/", include("hazardrules.urls")),
    path("hazards/", include("hazards.urls")),
    path("inspection-plans/", include("inspectionplans.urls")),
    path("inspections/", include("inspections.urls")),
    path("public-reports/", include("publicreports.urls")),
    path("", include("notifications.public_urls")),
    path("", include("publicreports.public_urls")),
    path("", include("dashboard.urls")),
]
