import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
django_application = get_wsgi_application()

# ``/t/<code>`` redirects are answered in front of Django (see accord.tracking.redirect); the rest is Django.
from accord.tracking.redirect import front  # noqa: E402  (needs Django set up)

application = front(django_application)
