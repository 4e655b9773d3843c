"""One call that adds dj-learning to a host site's settings.

At the end of a host's settings module::

    from dj_learning.settings import configure
    configure(globals())

``configure`` adds what the host lacks and changes nothing the host has set:

- the package's apps (``APPS``) and the apps they build on (``NEEDS``), each
  only if its label is not installed yet, in their order, before the host's
  first Wagtail app (so the host's own apps still come first and override our
  templates);
- the middleware of ``MIDDLEWARE_AFTER``, each after the one it needs;
- ``dj_learning.context_processors.learning`` in the Django template engine;
- a default for each setting of ``defaults()`` the host has not set.

Keyword arguments leave apps out (``exclude=["dj_learning.rewards"]``) or set
``DJ_LEARNING`` options (``configure(globals(), BASE_TEMPLATE="base.html")``);
an option the host wrote in its own ``DJ_LEARNING`` wins. A new app of the
package is one more line of ``APPS`` (and of ``APP_DEPENDENCIES`` in checks).
"""

import re

# The package's apps, in the order they are installed. Optional apps are listed
# too: a host that does not want one passes it in ``exclude``.
APPS = [
    "dj_learning",
    "dj_learning.orgs",
    "dj_learning.review",
    "dj_learning.members",
    "dj_learning.courses",
    "dj_learning.pdf",
    "dj_learning.credits",
    "dj_learning.quizzes",
    "dj_learning.rewards",
    "dj_learning.api",
    "dj_learning.themes",
    "dj_learning.certificates",
    "dj_learning.activities",
    "dj_learning.notifications",
    "dj_learning.voice",
]

# What the package builds on that a ``wagtail start`` site does not install.
NEEDS = [
    "wagtail.contrib.settings",
    "treebeard",
    "django_q",
    "ninja",  # serves the API docs page's assets locally
    # Sign-in limits, two-factor sign-in and the Content-Security-Policy (docs/security.md).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
]

# Middleware the package needs, each placed right after the first of the
# middleware it names that the host has (or at the end). Apps that need their
# own middleware (sign-in limits, two-factor, content security policy) add a
# line here.
MIDDLEWARE_AFTER = [
    (
        "django.middleware.locale.LocaleMiddleware",
        ["django.contrib.sessions.middleware.SessionMiddleware"],
    ),
    (
        "dj_learning.middleware.MemberLanguageMiddleware",
        ["django.middleware.locale.LocaleMiddleware"],
    ),
    (
        "django_otp.middleware.OTPMiddleware",
        ["django.contrib.auth.middleware.AuthenticationMiddleware"],
    ),
    ("dj_learning.members.security.TwoFactorMiddleware", ["django_otp.middleware.OTPMiddleware"]),
    (
        "dj_learning.members.security.ContentSecurityPolicyMiddleware",
        ["django.middleware.clickjacking.XFrameOptionsMiddleware"],
    ),
    # Last: turns a sign-in refused for too many failures into the lockout page.
    ("axes.middleware.AxesMiddleware", []),
]

# Defaults that belong to sign-in, left to the host when it excludes the members app.
SIGN_IN_SETTINGS = {"AUTHENTICATION_BACKENDS", "LOGIN_URL", "LOGIN_REDIRECT_URL"}

CONTEXT_PROCESSORS = ["dj_learning.context_processors.learning", "csp.context_processors.nonce"]

# Apps whose AppConfig sets a label other than the last part of their name
# (the package's own apps are "learning_<name>", see label()).
LABELS = {
    "wagtail.contrib.settings": "wagtailsettings",
    "wagtail": "wagtailcore",
}


def content_security_policy(report_uri=None):
    """The Content-Security-Policy (django-csp's ``CONTENT_SECURITY_POLICY``) of dj-learning.

    Scripts and styles only from the site or with the request's nonce; images,
    fonts and media from the site (and ``data:``/``blob:`` where the pages make
    them); frames of any https site (video embeds); framed by the site only (the
    embeds set their own ``frame-ancestors`` per region). ``report_uri`` adds a
    ``report-uri``. A host may call this to extend it rather than copy it.
    """
    from csp.constants import NONCE

    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "frame-src": ["'self'", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    if report_uri:
        directives["report-uri"] = [report_uri]
    return {"DIRECTIVES": directives}


def defaults(namespace):
    """The settings a host gets unless it set them itself.

    An app that needs a Django setting (sign-in limits, two-factor, a content
    security policy) adds its default here; the host's own value always wins.
    """
    from datetime import timedelta

    return {
        "AUTHENTICATION_BACKENDS": [
            "dj_learning.members.backends.LockoutBackend",
            "dj_learning.members.backends.MemberNumberBackend",
        ],
        # Sign-in lockout (django-axes), counted in the database (docs/security.md).
        "AXES_FAILURE_LIMIT": 10,
        "AXES_COOLOFF_TIME": timedelta(minutes=30),
        "AXES_LOCKOUT_PARAMETERS": ["username", "ip_address"],
        "AXES_RESET_ON_SUCCESS": True,
        "AXES_HANDLER": "axes.handlers.database.AxesDatabaseHandler",
        "AXES_LOCKOUT_CALLABLE": "dj_learning.members.security.lockout_response",
        "AXES_USERNAME_CALLABLE": "dj_learning.members.security.lockout_username",
        "AXES_VERBOSE": False,
        "OTP_TOTP_ISSUER": site_name(namespace),
        "CONTENT_SECURITY_POLICY": content_security_policy(),
        "WAGTAILDOCS_SERVE_METHOD": "serve_view",
        "WAGTAILIMAGES_IMAGE_FORM_BASE": "dj_learning.uploads.CheckedImageForm",
        "WAGTAILIMAGES_MAX_IMAGE_PIXELS": 40_000_000,
        "LOGIN_URL": "dj_learning:login",
        "LOGIN_REDIRECT_URL": "dj_learning:my_study",
        "LOGOUT_REDIRECT_URL": "/",
        "Q_CLUSTER": {
            "name": site_name(namespace),
            "orm": "default",  # the queue is a table of the default database
            "workers": 2,
            "timeout": 600,  # seconds a job may run (docs/operations.md, "Background jobs")
            "retry": 900,  # longer than timeout, or a slow job starts twice
            "max_attempts": 3,  # a job that keeps failing stops after three runs
        },
        # One cache every web process shares (dj_learning.W003): a table of the
        # database, made by `manage.py createcachetable`.
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "dj_learning_cache",
            }
        },
    }


def configure(namespace, *, exclude=(), **options):
    """Add dj-learning to the settings ``namespace`` (a settings module's ``globals()``).

    Returns ``namespace``. ``exclude`` names apps of ``APPS`` to leave out;
    ``options`` are ``DJ_LEARNING`` keys, used where the host's own
    ``DJ_LEARNING`` does not set them.
    """
    unknown = set(exclude) - set(APPS)
    if unknown:
        raise ValueError(f"configure(exclude=...) names apps dj-learning does not have: {unknown}")
    _add_apps(namespace, [app for app in APPS if app not in exclude] + NEEDS)
    _add_middleware(namespace)
    _add_context_processors(namespace)
    if "dj_learning.members" not in exclude:
        _add_backend(namespace)
    for name, value in defaults(namespace).items():
        if name in SIGN_IN_SETTINGS and "dj_learning.members" in exclude:
            continue  # sign-in is the members app's
        namespace.setdefault(name, value)
    if options:
        namespace["DJ_LEARNING"] = {**options, **(namespace.get("DJ_LEARNING") or {})}
    return namespace


def site_name(namespace):
    """A name for the job cluster: the Wagtail site name, else the settings' package."""
    name = namespace.get("WAGTAIL_SITE_NAME") or namespace.get("__name__", "site").split(".")[0]
    return re.sub(r"[^\w-]+", "-", str(name)).strip("-").lower() or "site"


def label(app):
    """The app label of an INSTALLED_APPS entry (a dotted module or an AppConfig path)."""
    if app in LABELS:
        return LABELS[app]
    if app.startswith("dj_learning."):
        return "learning_" + app.split(".")[1]
    parts = app.split(".")
    if parts[-1].endswith("Config") and len(parts) > 2:
        # "myapp.apps.MyAppConfig": the label Django derives from the module.
        return parts[-3]
    return parts[-1]


def _add_apps(namespace, wanted):
    installed = list(namespace.get("INSTALLED_APPS", []))
    labels = {label(app) for app in installed}
    new = [app for app in wanted if label(app) not in labels and app not in installed]
    first_wagtail = next(
        (i for i, app in enumerate(installed) if app == "wagtail" or app.startswith("wagtail.")),
        len(installed),
    )
    installed[first_wagtail:first_wagtail] = new
    namespace["INSTALLED_APPS"] = installed


def _add_middleware(namespace):
    middleware = list(namespace.get("MIDDLEWARE", []))
    for name, after in MIDDLEWARE_AFTER:
        if name in middleware:
            continue
        anchors = [middleware.index(a) for a in after if a in middleware]
        middleware.insert(min(anchors) + 1 if anchors else len(middleware), name)
    namespace["MIDDLEWARE"] = middleware


def _add_context_processors(namespace):
    for engine in namespace.get("TEMPLATES", []):
        if engine.get("BACKEND") != "django.template.backends.django.DjangoTemplates":
            continue
        options = engine.setdefault("OPTIONS", {})
        processors = list(options.get("context_processors", []))
        processors += [p for p in CONTEXT_PROCESSORS if p not in processors]
        options["context_processors"] = processors
        return


def _add_backend(namespace):
    backends = namespace.get("AUTHENTICATION_BACKENDS")
    if backends is None:
        return  # the defaults apply
    # MemberNumberBackend is a ModelBackend that also takes member numbers: it goes
    # first, after django-axes' LockoutBackend (which refuses locked-out sign-ins); the
    # host's own backends stay as they are, after them.
    ours = [
        "dj_learning.members.backends.LockoutBackend",
        "dj_learning.members.backends.MemberNumberBackend",
    ]
    namespace["AUTHENTICATION_BACKENDS"] = [
        *ours,
        *(backend for backend in backends if backend not in ours),
    ]
