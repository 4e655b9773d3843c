"""Sign-in protection: the lockout page (django-axes), staff sessions, two-factor sign-in.

The site's settings name these (``AXES_LOCKOUT_CALLABLE``, ``AXES_USERNAME_CALLABLE``
and ``TwoFactorMiddleware`` in ``MIDDLEWARE``); see docs/security.md.
"""

from urllib.parse import urlencode

from csp.middleware import CSPMiddleware
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from dj_learning.conf import settings
from dj_learning.orgs import scope


def lockout_minutes():
    from axes.helpers import get_cool_off

    cool_off = get_cool_off()
    return int(cool_off.total_seconds() // 60) if cool_off else None


def lockout_message():
    minutes = lockout_minutes()
    if minutes:
        return _(
            "Too many failed sign-ins. This account or address is locked for %(minutes)s "
            "minutes; try again later, or ask an administrator to unlock it."
        ) % {"minutes": minutes}
    return _(
        "Too many failed sign-ins. This account or address is locked until an "
        "administrator unlocks it."
    )


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out sign-in gets: JSON from the API, a page everywhere else (429)."""
    match = getattr(request, "resolver_match", None)
    if match is not None and "dj_learning_api" in match.namespaces:
        return JsonResponse(
            {"detail": lockout_message()}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    return render(
        request,
        "dj_learning/members/locked_out.html",
        {"message": lockout_message()},
        status=429,
    )


def lockout_username(request, credentials):
    """The account a sign-in attempt is counted against: a member number counts
    against its member's username, so switching between them gains no attempts."""
    login = ((credentials or {}).get("username") or request.POST.get("username") or "").strip()
    if not login or not settings.MEMBER_NUMBER_LOGIN:
        return login
    user_model = get_user_model()
    if user_model._default_manager.filter(**{user_model.USERNAME_FIELD: login}).exists():
        return login
    from .models import Member

    username = (
        Member.objects.filter(member_number=login)
        .values_list(f"user__{user_model.USERNAME_FIELD}", flat=True)
        .first()
    )
    return username or login


# -- Sessions and two-factor sign-in ------------------------------------------------------


def is_staff(user):
    return user.is_authenticated and (user.is_staff or scope.has_role(user))


DEVICE_CACHE_KEY = "dj_learning:2fa-device:{}"


def has_confirmed_device(user):
    """Has ``user`` a confirmed second factor? Asked on every signed-in request, so the
    answer is kept in Django's shared cache and dropped whenever one of their devices is
    saved or deleted (``forget_devices``): no query per page."""
    from django_otp import user_has_device

    key = DEVICE_CACHE_KEY.format(user.pk)
    has = cache.get(key)
    if has is None:
        has = user_has_device(user, confirmed=True)
        cache.set(key, has, 24 * 3600)
    return has


def forget_devices(sender, instance, **kwargs):
    """A device saved or deleted: its user's answer of ``has_confirmed_device`` goes."""
    cache.delete(DEVICE_CACHE_KEY.format(instance.user_id))


def needs_two_factor(user):
    """Must this user confirm a second factor? Superusers and holders of the roles in
    ``TWO_FACTOR_ROLES`` when it is set; anyone who enrolled a device, always."""
    if not user.is_authenticated:
        return False
    if has_confirmed_device(user):
        return True
    roles = settings.TWO_FACTOR_ROLES
    if not roles:
        return False
    return user.is_superuser or scope.has_role(user, tuple(roles))


def on_sign_in(sender, request, user, **kwargs):
    """Staff sessions end sooner than members' (``STAFF_SESSION_SECONDS``)."""
    if request is not None and hasattr(request, "session") and is_staff(user):
        request.session.set_expiry(settings.STAFF_SESSION_SECONDS)


class TwoFactorMiddleware:
    """After django-otp's ``OTPMiddleware``: a user who must confirm a second factor and
    has not in this session is sent to confirm it (or to enrol, without a device)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self._exempt(request):
            verified = getattr(user, "is_verified", lambda: False)()
            if not verified and needs_two_factor(user):
                from django_otp import user_has_device

                name = "two_factor_verify" if user_has_device(user) else "two_factor_setup"
                url = reverse(f"dj_learning:{name}")
                return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _exempt(self, request):
        path = request.path_info
        prefixes = [
            reverse("dj_learning:two_factor_verify"),
            reverse("dj_learning:two_factor_setup"),
            reverse("dj_learning:logout"),
            "/static/",
            "/i18n/",
        ]
        if path.startswith(tuple(prefixes)):
            return True
        # API calls with a token carry no session to confirm; see docs/security.md.
        if "HTTP_AUTHORIZATION" not in request.META:
            return False
        try:
            return "dj_learning_api" in resolve(path).namespaces
        except Resolver404:
            return False


# -- Content-Security-Policy ----------------------------------------------------------------


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with one exception: Wagtail's own admin screens still
    write a few inline scripts (date pickers, inline panels) and style attributes, so
    under the admin's URL prefix scripts and styles may be inline (``ADMIN_CSP``).
    Every other directive, and every other page, keeps the site's strict policy."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and _in_wagtail_admin(request):
            parts.replace = {**(settings.ADMIN_CSP or {}), **(parts.replace or {})}
            parts.nonce = None  # a nonce would make browsers ignore 'unsafe-inline'
        return parts


def _in_wagtail_admin(request):
    try:
        prefix = reverse("wagtailadmin_home")
    except Exception:  # Wagtail's admin is not in this site's URLs
        return False
    return request.path_info.startswith(prefix)
