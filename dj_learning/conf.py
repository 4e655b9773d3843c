"""The one accessor for dj-learning's settings.

A site configures dj-learning with one dict in its settings::

    DJ_LEARNING = {"API_TOKEN_TTL_DAYS": 7}

and code reads it through ``dj_learning.conf.settings``::

    from dj_learning.conf import settings
    settings.API_TOKEN_TTL_DAYS

Every attribute is read when it is asked for, so ``override_settings`` works in
tests. Each key, its default and its meaning are listed in
``docs/reference/settings.md``; keep the two in step.
"""

from django.conf import settings as django_settings

DEFAULTS = {
    # Days an API token issued by POST /api/v1/auth/token stays valid. 0 = never expires.
    "API_TOKEN_TTL_DAYS": 30,
    # Sign-in attempts allowed per client address on POST /api/v1/auth/token,
    # as "count/period" (s, m, h, d). None turns the limit off.
    "API_LOGIN_RATE": "10/m",
    # Let members sign in with their member number as well as their username.
    "MEMBER_NUMBER_LOGIN": True,
    # The day a study year begins, "MM-DD". Year 2026 runs from this day in 2026
    # to the day before it in 2027. Days count in the site's TIME_ZONE.
    "STUDY_YEAR_START": "01-01",
    # Seconds between two heartbeats sent by a study page.
    "HEARTBEAT_INTERVAL": 15,
    # The most one heartbeat can add, whatever it claims.
    "HEARTBEAT_MAX_SECONDS": 60,
    # How far a heartbeat's own clock may run ahead of the server's before it is refused.
    "HEARTBEAT_CLOCK_SKEW": 5,
    # If set, every lesson needs exactly this many effective seconds (for demos and tests).
    "LESSON_MIN_SECONDS": None,
    # The kinds of unit whose reviewers approve a request, level by level, for
    # regions that do not set their own (Wagtail admin, "Review levels").
    "REVIEW_LEVELS": ("branch", "region"),
    # Staff roles that see members' ID numbers in full (in their subtree); everyone
    # else, the member included, sees them masked.
    "ID_NUMBER_ROLES": ("clerk", "reviewer", "admin"),
    # A member meets their plan with the credits it asks for (required and elective,
    # offline training and adjustments included). True also asks that every module
    # the plan lists be completed.
    "PLAN_MET_REQUIRES_MODULES": False,
    # Members behind their plan are reminded in the last this-many days of the study year...
    "REMINDER_DAYS_BEFORE_YEAR_END": 45,
    # ...at most once every this-many days.
    "REMINDER_INTERVAL_DAYS": 7,
    # Verification page lookups allowed per client address and minute.
    "VERIFY_RATE_PER_MINUTE": 30,
    # Title of the API in the OpenAPI schema.
    "API_TITLE": "dj-learning API",
    # Path of a TrueType (.ttf/.ttc) font with CJK glyphs for PDFs; None uses the
    # font shipped with dj-learning (Droid Sans Fallback).
    "PDF_FONT": None,
    # Seconds a resolved theme stays cached (saving a theme or a unit drops them all at once).
    "THEME_CACHE_SECONDS": 3600,
    # Seconds after a quiz attempt's time limit during which answers still count
    # (network delay, a submit pressed at the last second).
    "QUIZ_GRACE_SECONDS": 30,
    # The largest question file (GIFT, Excel, CSV) an import accepts, in bytes.
    "QUIZ_IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    # Seconds the course page seen by people who are not signed in stays cached,
    # and a course's list of modules for members (publishing the course or a
    # module makes a new one at once). 0 turns both off.
    "COURSE_PAGE_CACHE_SECONDS": 300,
    # The largest file any upload accepts, in bytes (dj_learning.uploads.check_upload).
    "UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    # The most pixels an uploaded image may have (width × height).
    "UPLOAD_MAX_PIXELS": 40_000_000,
    # Folder of the private storage (files only views serve, after checking who asks);
    # None puts it in "private" beside MEDIA_ROOT. Never serve it directly.
    "PRIVATE_MEDIA_ROOT": None,
    # The template every member page extends: the package's own frame, or the host
    # site's base template (e.g. "base.html") to show learning pages in the host's
    # header, navigation and footer (docs/theming.md).
    "BASE_TEMPLATE": "dj_learning/base.html",
    # The names of the host base template's blocks, by role, when BASE_TEMPLATE is
    # the host's: its page title, its stylesheets in <head>, its main content and its
    # scripts. Roles left out keep these names (those of a `wagtail start` site).
    "BASE_TEMPLATE_BLOCKS": {
        "title": "title",
        "extra_css": "extra_css",
        "content": "content",
        "extra_js": "extra_js",
    },
    # Path prefix of the addresses dj-learning claims outside /learning/ and /api/:
    # "" keeps /verify/<code>/ and /embed/ at the site root; "learning/" moves them
    # to /learning/verify/ and /learning/embed/. Codes already printed on paper
    # point to the old address, so choose it before the first certificate.
    "PUBLIC_URL_PREFIX": "",
    # The language of the member pages for visitors who have not picked one with
    # the language switcher, e.g. "zh-hans" for a region whose members read Chinese.
    # None follows the browser and LANGUAGE_CODE (Django's LocaleMiddleware). The
    # Wagtail admin is left alone: editors keep their own language.
    "MEMBER_LANGUAGE": None,
}


class Settings:
    """Reads ``settings.DJ_LEARNING[key]``, falling back to ``DEFAULTS[key]``."""

    def _user_settings(self):
        return getattr(django_settings, "DJ_LEARNING", None) or {}

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown dj-learning setting: {name}")
        user = self._user_settings()
        if not isinstance(user, dict):
            return DEFAULTS[name]
        return user.get(name, DEFAULTS[name])

    def __dir__(self):
        return sorted(DEFAULTS)


settings = Settings()
