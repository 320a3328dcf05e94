"""WSGI entry point (gunicorn clinicorg.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicorg.settings")
application = get_wsgi_application()
