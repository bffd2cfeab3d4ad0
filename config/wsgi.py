import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

from linli.core.db import serve_web  # noqa: E402  (after the apps are loaded)

serve_web()
