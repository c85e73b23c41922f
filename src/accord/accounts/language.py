"""A signed-in person's language follows them: the language they last used Accord in (chosen with the header's
switch, which leaves a cookie, or else their browser's Accept-Language) is saved on their account, so e-mails and
digests that workers send later use it; a browser without the cookie shows their saved language, unless that is
still the default one."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accord.accounts.models import User

_SUPPORTED = frozenset(code for code, _name in settings.LANGUAGES)


class UserLanguageMiddleware:
    """Runs after LocaleMiddleware and AuthenticationMiddleware; writes only when the choice changes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User):
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            if chosen not in _SUPPORTED and user.language in _SUPPORTED and user.language != settings.LANGUAGE_CODE:
                translation.activate(user.language)  # saved earlier; beats this browser's Accept-Language
                request.LANGUAGE_CODE = user.language
            current = translation.get_language()
            if current in _SUPPORTED and current != user.language:
                User.objects.filter(pk=user.pk).update(language=current)
                user.language = current
        return self.get_response(request)
