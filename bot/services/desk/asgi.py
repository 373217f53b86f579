"""The desk's ASGI application (served by uvicorn: `python -m bot.services.desk serve`)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bot.services.desk.django_settings")
application = get_asgi_application()
