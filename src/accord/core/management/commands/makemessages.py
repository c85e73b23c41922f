"""Django's ``makemessages``, also extracting ``_l(...)``: views and forms import ``gettext_lazy as _l`` next to
``gettext as _``, an alias xgettext does not know. ``accord.core.catalogs.KEYWORDS`` lists it too."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
