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
    # Seconds between two heartbeats sent by a study page. Each carries the time gathered
    # since the last (the progress bar moves every second meanwhile), so a longer interval
    # means fewer requests for the same seconds: members at once per core = beats/s × this.
    "HEARTBEAT_INTERVAL": 60,
    # The most one heartbeat can add, whatever it claims (above the interval, for a late timer).
    "HEARTBEAT_MAX_SECONDS": 90,
    # How far a heartbeat's own clock may run ahead of the server's before it is refused.
    "HEARTBEAT_CLOCK_SKEW": 5,
    # A new module's minimum study time, when the editor leaves it empty, is what its
    # lessons need: their text at this many characters a minute...
    "READING_CHARS_PER_MINUTE": 300,
    # ...plus this many minutes for each video (its length is not known on the server).
    "VIDEO_STUDY_MINUTES": 5,
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
    # The parts of a member's home after sign-in, in order: names of embed widgets
    # (dj_learning.embed). A region's theme may set its own order or leave parts out;
    # names no installed app registers are skipped.
    "MEMBER_HOME_PARTS": (
        "my-study",
        "quizzes-due",
        "points",
        "upcoming-activities",
        "notices",
    ),
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
    # Folder of the nightly backups (dj_learning.management.backup.scheduled_backup);
    # None puts them in "backups" beside MEDIA_ROOT. Copy them off the machine.
    "BACKUP_DIR": None,
    # How many of the newest backup archives the nightly backup keeps there.
    "BACKUP_KEEP": 14,
    # Seconds a long job (a transcript or certificate batch, an award from transcripts)
    # may run before django-q2 stops it; a dead worker's job is resumed after this long.
    "LONG_JOB_TIMEOUT": 4 * 3600,
    # Members an award from transcripts writes per transaction: a worker killed in the
    # middle loses at most one such chunk, which the resumed run writes again.
    "AWARD_CHUNK_SIZE": 1000,
    # The most an uploaded Excel file may unpack to, in bytes (a ZIP bomb is refused).
    "UPLOAD_MAX_UNPACKED_BYTES": 50 * 1024 * 1024,
    # Staff roles whose holders must confirm a second factor (an authenticator app) after
    # their password, e.g. ("reviewer", "admin"); superusers too when it is set. Anyone
    # who enrolled a device confirms it whatever this says. Empty: two-factor is optional.
    "TWO_FACTOR_ROLES": (),
    # The Content-Security-Policy directives replaced on Wagtail's admin screens (Wagtail
    # writes some inline scripts and styles). None or {} keeps the site's policy there too.
    "ADMIN_CSP": {
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
    },
    # Seconds a staff member's session lasts (members' last SESSION_COOKIE_AGE).
    "STAFF_SESSION_SECONDS": 12 * 3600,
    # A clamd virus scanner every upload is sent to: a Unix socket path, or "host:port".
    # None: uploads are not scanned.
    "CLAMD": None,
    # Seconds to wait for clamd's answer.
    "CLAMD_TIMEOUT": 30,
    # Members are emailed when a certificate of theirs expires within each of these
    # numbers of days: once per certificate and number.
    "CERTIFICATE_REMINDER_DAYS": (30, 7),
    # What lays a certificate's PDF out, as a dotted path to a function of the context:
    # drawn with ReportLab (fast), or "dj_learning.certificates.services.render_html"
    # (the HTML template dj_learning/certificates/certificate_pdf.html, which a site may override).
    "CERTIFICATE_RENDERER": "dj_learning.certificates.drawing.draw",
    # Seconds a check-in code stays on the screen; a code is accepted in its own
    # interval and the next one (so for up to twice this long).
    "CHECKIN_ROTATE_SECONDS": 30,
    # Check-in opens this many minutes before an activity starts...
    "CHECKIN_OPENS_MINUTES_BEFORE": 30,
    # ...and closes this many minutes after it ends.
    "CHECKIN_CLOSES_MINUTES_AFTER": 30,
    # Seconds between two updates of the check-in screen (code, QR and count).
    "CHECKIN_SCREEN_POLL_SECONDS": 3,
    # The prefix of suggestions' tracking numbers: "JY" gives JY-2026-000042 (one
    # sequence per region and year).
    "SUGGESTION_NUMBER_PREFIX": "JY",
    # The most suggestions one member may send in an hour (counted in the database,
    # so every worker sees the same count). 0: no limit.
    "SUGGESTION_RATE_PER_HOUR": 5,
    # The same for comments under modules and for reports of comments.
    "COMMENT_RATE_PER_HOUR": 30,
    "REPORT_RATE_PER_HOUR": 20,
    # Minutes during which the author may edit their comment.
    "COMMENT_EDIT_MINUTES": 15,
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
