"""URLs of dj-learning.

A site includes them before Wagtail's own catch-all::

    path("", include("dj_learning.urls")),
    path("", include(wagtail_urls)),

The pages live under ``learning/`` in the ``dj_learning`` namespace; the API
lives under ``api/v1/`` in the ``dj_learning_api`` namespace. The public
verification page (``verify/<code>/``) and the embeddable widgets (``embed/``)
sit at the root, or under ``DJ_LEARNING["PUBLIC_URL_PREFIX"]``. Every path is
listed in docs/install.md.
"""

from django.apps import apps
from django.urls import include, path

from dj_learning.api.api import api
from dj_learning.conf import settings

learning_patterns = (
    [
        path("", include("dj_learning.members.urls")),
        # Optional domain apps add their pages when the site installs them.
        *(
            [path("", include("dj_learning.courses.urls"))]
            if apps.is_installed("dj_learning.courses")
            else []
        ),
        *(
            [path("", include("dj_learning.credits.urls"))]
            if apps.is_installed("dj_learning.credits")
            else []
        ),
        *(
            [path("", include("dj_learning.quizzes.urls"))]
            if apps.is_installed("dj_learning.quizzes")
            else []
        ),
        *(
            [path("", include("dj_learning.rewards.urls"))]
            if apps.is_installed("dj_learning.rewards")
            else []
        ),
        *(
            [path("", include("dj_learning.certificates.urls"))]
            if apps.is_installed("dj_learning.certificates")
            else []
        ),
        *(
            [path("", include("dj_learning.activities.urls"))]
            if apps.is_installed("dj_learning.activities")
            else []
        ),
        *(
            [path("", include("dj_learning.notifications.urls"))]
            if apps.is_installed("dj_learning.notifications")
            else []
        ),
        *(
            [path("", include("dj_learning.voice.urls"))]
            if apps.is_installed("dj_learning.voice")
            else []
        ),
    ],
    "dj_learning",
)

urlpatterns = [
    # The language switcher at the foot of every page (Django's set_language).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("learning/", include(learning_patterns)),
]

if apps.is_installed("dj_learning.credits"):
    from dj_learning.credits.views import verify

    # Printed on documents as a QR code: short, public, outside /learning/.
    urlpatterns.append(
        path(f"{settings.PUBLIC_URL_PREFIX}verify/<str:code>/", verify, name="learning_verify")
    )

if apps.is_installed("dj_learning.themes"):
    # Embeddable widgets and their script, outside /learning/ like /verify/.
    urlpatterns.append(
        path(f"{settings.PUBLIC_URL_PREFIX}embed/", include("dj_learning.themes.urls"))
    )
