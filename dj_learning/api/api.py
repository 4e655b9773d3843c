"""The dj-learning API: one NinjaAPI, each domain app adding its router.

Mounted by ``dj_learning.urls`` at ``/api/v1/``. Every answer under it is JSON,
errors included: an object with a ``detail`` message in the caller's language
(``Accept-Language`` or the site's language), for unknown addresses and
methods too. The OpenAPI document (``openapi.py``) lists every error each
operation can answer.
"""

from functools import wraps

from django.apps import apps
from django.contrib.auth import authenticate
from django.http import Http404
from django.urls import URLPattern, re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from dj_learning import __version__
from dj_learning.api_schema import ErrorOut, Text, example
from dj_learning.conf import settings
from dj_learning.members.api import router as members_router
from dj_learning.members.audit import log_sign_in
from dj_learning.orgs.api import router as orgs_router

from .auth import LoginRateThrottle, default_auth, throttled_message
from .openapi import ContractSchema
from .services import issue_token, revoke_token


class Renderer(JSONRenderer):
    # Chinese stays readable in the payload instead of \u escapes.
    json_dumps_params = {"ensure_ascii": False}


class ObjectParser(Parser):
    """Request bodies are JSON objects.

    ninja's schemas read their fields as attributes, so a list or a number sent
    where an object is expected would pass as an object whose fields are all left
    out; it is refused (400) instead. ``null`` reads as an empty object.
    """

    def parse_body(self, request):
        data = super().parse_body(request)
        if data is None:
            return {}  # `null` for a body that may be left out
        if not isinstance(data, dict):
            raise ValueError("The body is not a JSON object.")
        return data


class LearningAPI(NinjaAPI):
    """The NinjaAPI whose every answer is JSON and whose schema is a contract."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ContractSchema(self, path_prefix)

    def get_openapi_operation_id(self, operation):
        # The names of a generated client's functions: the app, then the view
        # (`courses_heartbeat`, `quizzes_start_attempt`), stable while the view keeps its name.
        view = operation.view_func
        app = view.__module__.removeprefix("dj_learning.").removesuffix(".api")
        return f"{app.replace('.', '_')}_{view.__name__}"

    def _get_urls(self):
        patterns = [
            URLPattern(p.pattern, _json_not_allowed(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern)
            else p
            for p in super()._get_urls()
        ]
        # Last: an address no route takes (an unknown one, or an id that is not a
        # number) is the API's JSON 404, never Django's HTML page or a slash redirect.
        return [*patterns, re_path(r"", unknown_address, name="unknown")]


def _json_not_allowed(view):
    """``view`` answering a method the route does not take as JSON (405 with ``Allow``)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response["Allow"]
            response = _error(request, 405, _("This address does not take this method."))
            response["Allow"] = allowed
        return response

    return wrapper


@csrf_exempt
def unknown_address(request, *args, **kwargs):
    return _error(request, 404, _("There is no such address in the API."))


api = LearningAPI(
    renderer=Renderer(),
    parser=ObjectParser(),
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
    elif exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = _("The body of the request is not a valid JSON object.")
    return _error(request, exc.status_code, message)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, _("Not found, or not yours to see."))


@api.exception_handler(ValidationError)
def on_invalid(request, exc):
    # pydantic names the validators it went through in a location; a client wants the fields.
    for error in exc.errors:
        error["loc"] = [part for part in error["loc"] if not str(part).startswith("function-")]
    return _error(request, 422, _("The request is not valid."), errors=exc.errors)


class Credentials(Schema):
    model_config = {"json_schema_extra": example(username="member", password="Demo!pass2026")}

    username: Text
    password: Text
    otp: Text | None = Field(
        None,
        max_length=32,
        description="For an account with two-factor sign-in: a code from its authenticator "
        "app, or one of its backup codes.",
    )


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: str | None


auth_router = Router(tags=["auth"])


@auth_router.post(
    "/token",
    auth=None,
    throttle=[LoginRateThrottle()],
    response={200: TokenOut, 401: ErrorOut},
    summary="Exchange a username (or member number) and password for a token",
)
def create_token(request, credentials: Credentials):
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        raise HttpError(401, _("The username, member number or password is not correct."))
    _second_factor(user, credentials.otp)
    token, raw = issue_token(user)
    log_sign_in(request, user, via="api")
    expires = timezone.localtime(token.expires_at).isoformat() if token.expires_at else None
    return Status(200, {"token": raw, "expires_at": expires})


def _second_factor(user, code):
    """A token is a sign-in: whoever must confirm a second factor on the website (an
    enrolled device, or a role in ``TWO_FACTOR_ROLES``) sends a code with the password."""
    from django_otp import match_token, user_has_device

    from dj_learning.members.security import needs_two_factor

    if not needs_two_factor(user):
        return
    if not user_has_device(user, confirmed=True):
        raise HttpError(
            401,
            _(
                "This account must use two-factor sign-in: set it up on the website first, "
                "then send a code with the password."
            ),
        )
    if not code:
        raise HttpError(
            401,
            _("This account uses two-factor sign-in: send a code from your authenticator app."),
        )
    if match_token(user, code.strip()) is None:
        raise HttpError(401, _("The code is not correct, or was used already. Try the next code."))


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

if apps.is_installed("dj_learning.certificates"):
    from dj_learning.certificates.api import router as certificates_router

    api.add_router("/", certificates_router)
if apps.is_installed("dj_learning.activities"):
    from dj_learning.activities.api import router as activities_router

    api.add_router("/", activities_router)

if apps.is_installed("dj_learning.notifications"):
    from dj_learning.notifications.api import router as notifications_router

    api.add_router("/", notifications_router)

if apps.is_installed("dj_learning.voice"):
    from dj_learning.voice.api import router as voice_router

    api.add_router("/", voice_router)
