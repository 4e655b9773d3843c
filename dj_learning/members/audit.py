"""Sign-ins and failed sign-ins in the audit trail (Wagtail's log; see ``orgs.audit``).

Connected to Django's ``user_logged_in`` and ``user_login_failed`` in ``ready()``.
An entry is logged against the account, with the address it came from and the
unit of the account's member record (so the branch's staff see it). A failed
sign-in with a name no account has is kept against no object, seen by
superusers only: the name tried is in ``data["username"]``.
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from dj_learning.orgs import scope
from dj_learning.orgs.audit import UNIT_KEY


def _address(request):
    if request is None:
        return ""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")


def _unit_id(user):
    """The unit of the account's member record, else of its first staff role (staff
    without a record); ``None`` for neither."""
    from dj_learning.orgs.models import StaffRole

    unit_id = scope.own_unit_id(user)
    if unit_id is None:
        unit_id = StaffRole.objects.filter(user=user).values_list("unit_id", flat=True).first()
    return unit_id


def log_sign_in(request, user, **data):
    """An entry for a sign-in: Django's ``login()`` (member page, Wagtail and Django admin)
    sends ``user_logged_in``; the API's token exchange calls this itself (``via="api"``)."""
    log(
        user,
        "learning_members.sign_in",
        user=user,
        data={UNIT_KEY: _unit_id(user), "ip_address": _address(request), **data},
    )


def on_signed_in(sender, request, user, **kwargs):
    log_sign_in(request, user)


def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    User = get_user_model()
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    data = {"username": username[:150], "ip_address": _address(request)}
    account = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if account is not None:
        data[UNIT_KEY] = _unit_id(account)
        log(account, "learning_members.sign_in_failed", data=data)
        return
    ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_id="-",
        label=data["username"] or "-",  # a label may not be empty (a blank name tried)
        action="learning_members.sign_in_failed",
        timestamp=timezone.now(),
        data={**data, UNIT_KEY: None},
    )


def connect():
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    user_logged_in.connect(on_signed_in, dispatch_uid="learning_audit_sign_in")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="learning_audit_sign_in_failed")


def log_decision(change, user, decision, comment, level):
    """Log a reviewer's approval or rejection of a record change (admin screen and API).

    The entry names the record's fields the request changes (not their values:
    those stay on the request, for those who may see it), the level decided and
    the comment.
    """
    log(
        change,
        f"learning_members.{decision}_change",
        user=user,
        data={
            UNIT_KEY: change.unit_id,
            "member": change.member_number or getattr(change.member, "member_number", ""),
            "fields": sorted(change.changes),
            "level": level,
            "status": change.status,
            "comment": comment,
        },
    )
