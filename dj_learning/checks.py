"""System checks for dj-learning. Ids are stable; each is listed in docs/reference/settings.md."""

import re

from django.apps import apps
from django.conf import settings as django_settings
from django.core.cache import DEFAULT_CACHE_ALIAS
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from .conf import DEFAULTS, settings

# Each dj-learning app and the apps it builds on (see docs/architecture.md).
APP_DEPENDENCIES = {
    "dj_learning.orgs": ["wagtail", "dj_learning"],
    "dj_learning.review": ["dj_learning.orgs"],
    "dj_learning.members": ["dj_learning.orgs", "dj_learning.review"],
    "dj_learning.courses": [
        "dj_learning.members",
        "dj_learning.orgs",
        "wagtail.images",
        "wagtail.documents",
        "taggit",
    ],
    "dj_learning.credits": [
        "dj_learning.courses",
        "dj_learning.review",
        "dj_learning.members",
        "dj_learning.pdf",
    ],
    "dj_learning.quizzes": [
        "dj_learning.courses",
        "dj_learning.members",
        "wagtail.images",
        "wagtail.snippets",
        "taggit",
    ],
    "dj_learning.api": ["dj_learning.members", "dj_learning.orgs"],
    "dj_learning.themes": [
        "dj_learning.members",
        "dj_learning.orgs",
        "wagtail.contrib.settings",
        "wagtail.images",
        "wagtail.snippets",
    ],
    "dj_learning.notifications": ["dj_learning", "django_q"],
    "dj_learning.voice": [
        "dj_learning.notifications",
        "dj_learning.rewards",
        "dj_learning.members",
    ],
    "dj_learning.rewards": [
        "dj_learning.credits",
        "dj_learning.courses",
        "dj_learning.members",
        "wagtail.images",
        "django_q",
    ],
    "dj_learning.activities": [
        "dj_learning.rewards",
        "dj_learning.credits",
        "dj_learning.review",
        "dj_learning.members",
    ],
}
_RATE = re.compile(r"^\d+/(s|sec|m|min|h|hour|d|day)$")


@register(Tags.compatibility)
def check_settings(app_configs=None, **kwargs):
    errors = []
    user = getattr(django_settings, "DJ_LEARNING", {})
    if not isinstance(user, dict):
        return [
            Error(
                "DJ_LEARNING must be a dict.",
                hint="Set DJ_LEARNING = {...} in your settings, or leave it out.",
                id="dj_learning.E001",
            )
        ]
    for key in sorted(set(user) - set(DEFAULTS)):
        errors.append(
            Warning(
                f"DJ_LEARNING has an unknown key {key!r}.",
                hint="See docs/reference/settings.md for the keys dj-learning reads.",
                id="dj_learning.W001",
            )
        )
    ttl = settings.API_TOKEN_TTL_DAYS
    if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0:
        errors.append(
            Error(
                "DJ_LEARNING['API_TOKEN_TTL_DAYS'] must be a whole number of days, 0 or more.",
                id="dj_learning.E003",
            )
        )
    rate = settings.API_LOGIN_RATE
    if rate is not None and not (isinstance(rate, str) and _RATE.match(rate)):
        errors.append(
            Error(
                "DJ_LEARNING['API_LOGIN_RATE'] must look like '10/m' (count/s, m, h or d), "
                "or be None.",
                id="dj_learning.E004",
            )
        )
    return errors


@register(Tags.compatibility)
def check_apps(app_configs=None, **kwargs):
    return missing_app_errors({config.name for config in apps.get_app_configs()})


def missing_app_errors(installed):
    """E002 for each installed dj-learning app whose foundations are not installed."""
    errors = []
    for app, needs in APP_DEPENDENCIES.items():
        if app not in installed:
            continue
        for need in needs:
            if need not in installed:
                errors.append(
                    Error(
                        f"{app} needs {need} in INSTALLED_APPS.",
                        hint="See docs/install.md for the full list.",
                        id="dj_learning.E002",
                    )
                )
    return errors


@register(Tags.security)
def check_auth_backend(app_configs=None, **kwargs):
    backend = "dj_learning.members.backends.MemberNumberBackend"
    if settings.MEMBER_NUMBER_LOGIN and backend not in django_settings.AUTHENTICATION_BACKENDS:
        return [
            Warning(
                "Members cannot sign in with their member number.",
                hint=f"Put {backend!r} in AUTHENTICATION_BACKENDS in place of ModelBackend, "
                "or set DJ_LEARNING['MEMBER_NUMBER_LOGIN'] = False.",
                id="dj_learning.W002",
            )
        ]
    return []


@register(Tags.compatibility)
def check_pdf_font(app_configs=None, **kwargs):
    """E005: the configured PDF font must be a TrueType file that exists."""
    from pathlib import Path

    font = settings.PDF_FONT
    if font is None:
        return []
    path = Path(font)
    if path.suffix.lower() not in (".ttf", ".ttc") or not path.is_file():
        return [
            Error(
                f"DJ_LEARNING['PDF_FONT'] must be an existing .ttf or .ttc file, not {font!r}.",
                hint="CFF .otf fonts cannot be embedded by xhtml2pdf; leave PDF_FONT as None "
                "to use the font dj-learning ships.",
                id="dj_learning.E005",
            )
        ]
    return []


@register(Tags.caches)
def check_shared_cache(app_configs=None, **kwargs):
    """W003: with DEBUG off, the default cache must be shared by every web process."""
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.locmem import LocMemCache

    if django_settings.DEBUG:
        return []
    backend = django_settings.CACHES.get(DEFAULT_CACHE_ALIAS, {}).get("BACKEND", "")
    try:
        backend_class = import_string(backend)
    except ImportError:
        return []  # Django's own cache checks report a backend that does not import
    if not (
        isinstance(backend_class, type) and issubclass(backend_class, LocMemCache | DummyCache)
    ):
        return []
    return [
        Warning(
            f"The default cache ({backend}) is not shared between processes.",
            hint="Rate limits, theme changes and the cached course pages, outlines and rows "
            "must be seen by every web process: use Redis (RedisCache) or the database "
            "(DatabaseCache, after `manage.py createcachetable`). See docs/operations.md.",
            id="dj_learning.W003",
        )
    ]


@register(Tags.security, Tags.database)
def check_admins_two_factor(app_configs=None, databases=None, **kwargs):
    """W004 (``check --database default``): superusers without a two-factor device."""
    if not databases or not apps.is_installed("django_otp.plugins.otp_totp"):
        return []
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError
    from django_otp.plugins.otp_totp.models import TOTPDevice

    try:
        with_device = TOTPDevice.objects.filter(confirmed=True).values("user_id")
        names = list(
            get_user_model()
            ._default_manager.filter(is_superuser=True, is_active=True)
            .exclude(pk__in=with_device)
            .values_list(get_user_model().USERNAME_FIELD, flat=True)[:20]
        )
    except DatabaseError:  # not migrated yet
        return []
    if not names:
        return []
    return [
        Warning(
            "Administrators without two-factor sign-in: " + ", ".join(names) + ".",
            hint="Each signs in and enrols an authenticator app at /learning/two-factor/setup/; "
            "set DJ_LEARNING['TWO_FACTOR_ROLES'] to require it (docs/security.md).",
            id="dj_learning.W004",
        )
    ]


@register()
def check_job_cluster(app_configs=None, **kwargs):
    """W005: every background job bounded: a timeout, a longer retry, a number of attempts.

    django-q2's own defaults let a job run for ever (no ``timeout``), hand out a task
    again after 60 s whatever its timeout (a slow job runs twice) and retry a failing
    job without end (``max_attempts`` 0).
    """
    if not apps.is_installed("django_q"):
        return []
    cluster = getattr(django_settings, "Q_CLUSTER", None) or {}
    timeout, retry = cluster.get("timeout"), cluster.get("retry", 60)
    problems = []
    if not timeout or timeout <= 0:
        problems.append("no timeout")
    elif retry <= timeout:
        problems.append(f"a retry ({retry} s) not longer than the timeout ({timeout} s)")
    if not cluster.get("max_attempts"):
        problems.append("no limit on attempts (max_attempts)")
    if not problems:
        return []
    return [
        Warning(
            "Q_CLUSTER gives background jobs " + ", ".join(problems) + ".",
            hint="Set Q_CLUSTER's timeout, a retry longer than it and max_attempts, as "
            "dj_learning.settings.configure() does (timeout 600, retry 900, max_attempts 3; "
            'docs/operations.md, "Background jobs").',
            id="dj_learning.W005",
        )
    ]
