"""The site's URL map plus the short public links, as `yingji/urls.py` mounts them once wired in."""

from django.urls import include, path

from yingji.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("", include("notifications.public_urls")), *site_urlpatterns]
