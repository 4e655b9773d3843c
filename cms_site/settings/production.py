import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("Set SECRET_KEY in the environment.")
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma separated) in the environment.")


def _flag(name, default="1"):
    return os.environ.get(name, default) == "1"


SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Behind a proxy that ends TLS: the proxy must set X-Forwarded-Proto (and strip the
# client's own), see docs/operations.md.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT")
# Paths answered over plain HTTP too (a load balancer's health check), as regexes.
SECURE_REDIRECT_EXEMPT = [p for p in os.environ.get("SECURE_REDIRECT_EXEMPT", "").split(",") if p]
# HTTP Strict Transport Security: browsers use HTTPS only, for a year by default.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _flag("SECURE_HSTS_PRELOAD")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
)
# Embedded widgets on another site see the member's session only with SameSite=None
# (HTTPS only; see docs/embedding.md for what each browser allows).
if os.environ.get("EMBED_SESSION_COOKIES") == "1":
    SESSION_COOKIE_SAMESITE = "None"
