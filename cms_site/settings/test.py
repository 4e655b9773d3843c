from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "var" / "test-media")  # noqa: F405
# Jobs run in the test process, so tests see their effect at once.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"
# Tests sign in many times from one address; the limit has its own test.
DJ_LEARNING = {
    **DJ_LEARNING,  # noqa: F405
    "API_LOGIN_RATE": None,
    "PRIVATE_MEDIA_ROOT": os.environ.get("PRIVATE_MEDIA_ROOT")  # noqa: F405
    or str(BASE_DIR / "var" / "test-private"),  # noqa: F405
}
# The tests run in one process, and their query counts leave cache reads out: a cache in
# the process's memory, large enough for the pages the tests render.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }
}
SILENCED_SYSTEM_CHECKS = ["dj_learning.W003"]
# On PostgreSQL, a transactional test's flush deletes rows instead of truncating every
# table (seconds per test otherwise; dj_learning/test/postgresql/base.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "dj_learning.test.postgresql"  # noqa: F405
