"""WSGI entry point used by gunicorn and by `manage.py run_platform`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
application = get_wsgi_application()
