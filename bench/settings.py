"""Settings of the benchmark: the test settings, on the database ``run.py`` chooses.

``run.py`` sets ``DATABASE_URL`` to its own fresh database before Django
starts; the web server it starts for the throughput scenarios inherits it.
"""

from cms_site.settings.test import *  # noqa: F403

DEBUG = False
# Fast to set up many accounts; the pages measured do not hash passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The bulk transcript ZIPs the credits scenarios write; git ignores bench/results/, and
# the scenario deletes its archives when it is done.
MEDIA_ROOT = BASE_DIR / "bench" / "results" / "media"  # noqa: F405
# The shared cache of a site with several web processes: Redis when ``REDIS_URL`` is set
# (the base settings), else each process's memory standing in for it (as fast; each
# gunicorn worker fills its own), never the database table (its reads are queries).
if REDIS_URL:  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,  # noqa: F405
        }
    }
