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
    path("", include("dashboard.urls")),
]
