"""Settings shared by every way of running the ready site.

``dev``, ``production`` and ``test`` import this and change what differs.
The database comes from ``DATABASE_URL`` (SQLite in the project folder when
it is not set); Redis is used for django-q2 and the cache when ``REDIS_URL``
is set.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from dj_learning.settings import configure, content_security_policy

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "cms_site.home",
    "cms_site.demo",
    "cms_site.seed",
    # dj-learning's own apps come from configure() below, in this place.
    # Sign-in limits, two-factor and the Content-Security-Policy (docs/security.md).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "treebeard",
    "django_filters",
    "django_q",
    "ninja",  # serves the API docs page's assets locally
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dj_learning.members.security.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dj_learning.members.security.ContentSecurityPolicyMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: turns a sign-in refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "csp.context_processors.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "cms_site.wsgi.application"

# Database: DATABASE_URL, or SQLite beside the project. SQLite runs in WAL mode
# with IMMEDIATE transactions, so the django-q2 worker and the web process
# wait for each other instead of failing with "database is locked".
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            ),
        }
    )

REDIS_URL = os.environ.get("REDIS_URL", "")

# One cache shared by every web process and host: rate limits, theme invalidation and
# the cached course pages, outlines and rows must be seen by the next request wherever
# it lands (docs/operations.md). Redis when set, else a table in the database
# (`manage.py createcachetable`, which `make demo` runs); dj_learning.W003 warns about
# a cache kept in one process.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "dj_learning_cache",
            # Rendered module rows are many small entries: cull late.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

# Background jobs: the ORM broker by default (no extra service), Redis when set.
Q_CLUSTER = {
    "name": "dj_learning",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 600,
    "retry": 900,
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "label": "Background jobs",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in (member, Wagtail admin, Django admin, API token)
    # of an account or address locked out by django-axes.
    "dj_learning.members.backends.LockoutBackend",
    "dj_learning.members.backends.MemberNumberBackend",
]
LOGIN_URL = "dj_learning:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failures an account, and
# separately an address, is locked for AXES_COOLOFF_TIME. The counts are rows in the
# database, shared by every process; staff unlock in the Wagtail admin ("Locked sign-ins").
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "dj_learning.members.security.lockout_response"
AXES_USERNAME_CALLABLE = "dj_learning.members.security.lockout_username"
AXES_VERBOSE = False

# Sessions: members stay signed in for two weeks; staff for DJ_LEARNING["STAFF_SESSION_SECONDS"].
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(14 * 24 * 3600)))

# Two-factor sign-in (django-otp): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = "dj-learning"

# Content-Security-Policy (django-csp) on every page: scripts and styles only from the
# site or with the request's nonce. The embeds set their own frame-ancestors per region.
CONTENT_SECURITY_POLICY = content_security_policy(os.environ.get("CSP_REPORT_URI"))

# Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
LOCALE_PATHS = [PROJECT_DIR / "locale"]
USE_TZ = True

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_URL = "/static/"
# Both folders come from the environment too, so a restore drill can target scratch folders.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

WAGTAIL_SITE_NAME = "dj-learning"
# No call from the admin's browser to Wagtail's servers (and none the CSP would refuse).
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Documents are served by Wagtail's view, which checks their privacy, never as raw media.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]  # never SVG
# Every image uploaded in the admin goes through dj_learning.uploads.check_upload.
WAGTAILIMAGES_IMAGE_FORM_BASE = "dj_learning.uploads.CheckedImageForm"

DJ_LEARNING = {
    # Files only views serve (proofs, attachments, certificates); never serve this folder.
    "PRIVATE_MEDIA_ROOT": os.environ.get("PRIVATE_MEDIA_ROOT") or str(BASE_DIR / "var" / "private"),
}

# dj-learning's apps (before the first Wagtail app), LocaleMiddleware's partner and
# the template context, as for any host site (docs/install.md). Values set above stay.
configure(globals())
