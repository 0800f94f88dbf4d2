"""WSGI entry point for the web process (gunicorn brandroom.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brandroom.settings")
application = get_wsgi_application()
