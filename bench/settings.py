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
