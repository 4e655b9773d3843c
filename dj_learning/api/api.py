"""The dj-learning API: one NinjaAPI, each domain app adding its router.

Mounted by ``dj_learning.urls`` at ``/api/v1/``. Errors are JSON objects with a
``detail`` message in the caller's language (``Accept-Language`` or the site's
language).
"""

from django.apps import apps
from django.contrib.auth import authenticate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.renderers import JSONRenderer

from dj_learning import __version__
from dj_learning.conf import settings
from dj_learning.members.api import router as members_router
from dj_learning.orgs.api import router as orgs_router

from .auth import LoginRateThrottle, default_auth, throttled_message
from .services import issue_token, revoke_token


class Renderer(JSONRenderer):
    # Chinese stays readable in the payload instead of \u escapes.
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Renderer(),
    title=settings.API_TITLE,
    version=__version__,
    urls_namespace="dj_learning_api",
    auth=default_auth,
    description="Member education: units, members, courses, credits and points.",
)


def _error(request, status, detail, **extra):
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, _("Sign in or send a valid API token."))


@api.exception_handler(Throttled)
def on_throttled(request, exc):
    response = _error(request, 429, throttled_message())
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    # Messages raised by dj-learning are already translated; CSRF failures are ninja's own.
    message = str(exc)
    if exc.status_code == 403 and "CSRF" in message:
        message = _("The CSRF token is missing or wrong. Reload the page and try again.")
    return _error(request, exc.status_code, message)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, _("Not found, or not yours to see."))


@api.exception_handler(ValidationError)
def on_invalid(request, exc):
    return _error(request, 422, _("The request is not valid."), errors=exc.errors)


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: str | None


class Message(Schema):
    detail: str


auth_router = Router(tags=["auth"])


@auth_router.post(
    "/token",
    auth=None,
    throttle=[LoginRateThrottle()],
    response={200: TokenOut, 401: Message},
    summary="Exchange a username (or member number) and password for a token",
)
def create_token(request, credentials: Credentials):
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        return Status(401, {"detail": _("The username, member number or password is not correct.")})
    token, raw = issue_token(user)
    expires = timezone.localtime(token.expires_at).isoformat() if token.expires_at else None
    return Status(200, {"token": raw, "expires_at": expires})


@auth_router.delete(
    "/token", response={204: None}, summary="Revoke the token sent with this request"
)
def delete_token(request):
    header = request.headers.get("Authorization", "")
    revoke_token(header.partition(" ")[2].strip())
    return Status(204, None)


api.add_router("/auth", auth_router)
api.add_router("/", members_router)
api.add_router("/", orgs_router)

# Each optional domain app adds its router when the site installs it.
if apps.is_installed("dj_learning.courses"):
    from dj_learning.courses.api import router as courses_router

    api.add_router("/", courses_router)

if apps.is_installed("dj_learning.credits"):
    from dj_learning.credits.api import router as credits_router

    api.add_router("/", credits_router)

if apps.is_installed("dj_learning.quizzes"):
    from dj_learning.quizzes.api import router as quizzes_router

    api.add_router("/", quizzes_router)
if apps.is_installed("dj_learning.rewards"):
    from dj_learning.rewards.api import router as rewards_router

    api.add_router("/", rewards_router)

if apps.is_installed("dj_learning.notifications"):
    from dj_learning.notifications.api import router as notifications_router

    api.add_router("/", notifications_router)

if apps.is_installed("dj_learning.voice"):
    from dj_learning.voice.api import router as voice_router

    api.add_router("/", voice_router)
