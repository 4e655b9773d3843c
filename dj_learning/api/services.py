"""Issuing and checking API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from dj_learning.conf import settings

from .models import ApiToken

TOKEN_PREFIX = "djl_"
# Writing last_used_at on every request would turn each read into a write.
_LAST_USED_RESOLUTION = timedelta(minutes=5)


def _digest(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user):
    """Create a token for ``user``; return ``(ApiToken, raw_token)``.

    The raw token is shown to the caller once and never stored.
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ttl = settings.API_TOKEN_TTL_DAYS
    token = ApiToken.objects.create(
        user=user,
        digest=_digest(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        expires_at=timezone.now() + timedelta(days=ttl) if ttl else None,
    )
    return token, raw


def user_for_token(raw):
    """The active user a raw token belongs to, or ``None`` if it is unknown or expired."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user.learning_api_token = token
    return token.user


def revoke_token(raw):
    """Delete the token; return True if there was one."""
    deleted, _ = ApiToken.objects.filter(digest=_digest(raw or "")).delete()
    return bool(deleted)
