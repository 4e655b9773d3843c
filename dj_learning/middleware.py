"""Member pages in the region's language, the admin in the editor's own.

``MemberLanguageMiddleware`` comes right after Django's ``LocaleMiddleware``
(``configure()`` puts it there). The members' language is the region's (its
theme's "members' language", one per site), else ``DJ_LEARNING["MEMBER_LANGUAGE"]``;
when there is one and the visitor has not picked a language with the switcher
(no language cookie), it is spoken on every page outside the Wagtail and Django
admins. The host's ``LANGUAGE_CODE`` stays what the host set, so editors'
admin language (their Wagtail preference, else ``LANGUAGE_CODE``) does not move.
"""

from django.apps import apps
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
        if (
            django_settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(admin_prefixes())
            and (language := members_language(request))
        ):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def members_language(request):
    """The language of the request's region, else ``MEMBER_LANGUAGE`` (else ``None``)."""
    if apps.is_installed("dj_learning.themes"):
        from dj_learning.themes.services import language_for_request

        if language := language_for_request(request):
            return language
    return settings.MEMBER_LANGUAGE
