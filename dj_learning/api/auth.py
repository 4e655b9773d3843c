from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AnonRateThrottle

from dj_learning.conf import settings

from .services import user_for_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``, tokens from ``POST /api/v1/auth/token``."""

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class CookieSessionAuth(SessionAuth):
    """The site's session cookie; unsafe methods need the CSRF token as for any form."""


#: Every endpoint that needs a signed-in caller accepts either.
default_auth = [TokenAuth(), CookieSessionAuth()]


class LoginRateThrottle(AnonRateThrottle):
    """Limits sign-in attempts per client address to ``API_LOGIN_RATE``."""

    def __init__(self):
        super().__init__(rate="1/s")

    def get_ident(self, request):
        # The client's own address. X-Forwarded-For is set by whoever sends the
        # request, so trusting it would let anyone pick a fresh identity per attempt;
        # behind a proxy, have the proxy set REMOTE_ADDR.
        return request.META.get("REMOTE_ADDR")

    def allow_request(self, request):
        rate = settings.API_LOGIN_RATE
        if not rate:
            return True
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request)


def throttled_message():
    return _("Too many attempts. Wait a minute and try again.")
