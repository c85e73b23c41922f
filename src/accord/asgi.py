import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
django_application = get_asgi_application()

# ``/t/<code>`` redirects are answered in front of Django (see accord.tracking.redirect); the rest is Django.
from accord.tracking.redirect import asgi_front  # noqa: E402  (needs Django set up)

application = asgi_front(django_application)
