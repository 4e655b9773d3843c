"""Member pages in the region's language, the admin in the editor's own.

``MemberLanguageMiddleware`` comes right after Django's ``LocaleMiddleware``
(``configure()`` puts it there). When ``DJ_LEARNING["MEMBER_LANGUAGE"]`` is set
and the visitor has not picked a language with the switcher (no language
cookie), it speaks that language on every page outside the Wagtail and Django
admins. The host's ``LANGUAGE_CODE`` stays what the host set, so editors'
admin language (their Wagtail preference, else ``LANGUAGE_CODE``) does not move.
"""

from django.conf import settings as django_settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from .conf import settings


def admin_prefixes():
    prefixes = []
    for name in ["wagtailadmin_home", "admin:index"]:
        try:
            prefixes.append(reverse(name))
        except NoReverseMatch:
            continue
    return tuple(prefixes)


class MemberLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = settings.MEMBER_LANGUAGE
        if (
            language
            and django_settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(admin_prefixes())
        ):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
