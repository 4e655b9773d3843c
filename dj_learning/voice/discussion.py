"""Discussion under modules: the business rules.

The discussion of a module belongs to the members who may study it: the module is
in a course offered to their unit (by it, a unit above, or everyone) or in their
plan, as ``courses.services.modules_open_to`` decides. They read, comment and
reply to a top-level comment (one level: a reply to a reply joins its thread). The
author edits within ``COMMENT_EDIT_MINUTES``. Members report comments; editors who
may edit the module and staff of the author's unit hide them with a reason the author
sees. A module's discussion can be closed. Comments are plain text: pages escape them
and turn web addresses into links with ``rel="nofollow noopener"``.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dj_learning.conf import settings
from dj_learning.courses.services import modules_open_to
from dj_learning.notifications.services import Kind, kinds, notify
from dj_learning.orgs import scope

from .models import Comment, CommentReport, DiscussionSwitch
from .services import VoiceError, _clean_text, check_rate

COMMENT_REPLY = "voice.comment_reply"
COMMENT_HIDDEN = "voice.comment_hidden"
TEXT_MAX = 2000


def register_kinds():
    kinds.register(COMMENT_REPLY, Kind(gettext_lazy("A reply to my comment")))
    kinds.register(COMMENT_HIDDEN, Kind(gettext_lazy("My comment hidden by a moderator")))


def is_open(module):
    return not DiscussionSwitch.objects.filter(module=module, closed=True).exists()


def set_open(module, open_):
    DiscussionSwitch.objects.update_or_create(module=module, defaults={"closed": not open_})


def in_audience(member, module):
    """May ``member`` take part: an active member who may study ``module``."""
    return (
        member is not None
        and member.status == member.Status.ACTIVE
        and module.pk in modules_open_to(member, [module.pk])
    )


def _staff_of_audience(user, module):
    """Staff whose units overlap the audience of the module's course (they moderate)."""
    if scope.sees_everything(user):
        return True
    paths = scope.scope_paths(user, scope.STAFF_ROLES)
    if not paths:
        return False
    unit = getattr(module.get_parent().specific, "unit", None)
    if unit is None:
        return True
    return any(p.startswith(unit.path) or unit.path.startswith(p) for p in paths)


def may_read(user, member, module):
    """Who sees a module's discussion: its audience, the module's editors and the staff of
    units in the audience. Everyone else is told it does not exist."""
    return (
        in_audience(member, module)
        or module.permissions_for_user(user).can_edit()
        or _staff_of_audience(user, module)
    )


def may_moderate(user, module, comment=None):
    """Editors who may edit the module, and staff of the comment author's unit."""
    if not (user and user.is_authenticated):
        return False
    if module.permissions_for_user(user).can_edit():
        return True
    if comment is not None:
        return scope.can_see_unit(user, comment.member.unit, roles=scope.STAFF_ROLES)
    return scope.has_role(user)


def thread(module):
    """Top-level comments with their replies and authors: three queries, whatever the count."""
    return (
        Comment.objects.filter(module=module, parent__isnull=True)
        .select_related("member", "member__unit")
        .prefetch_related("replies__member__unit")
        .order_by("created_at", "pk")
    )


def render_text(text):
    """Plain text with web addresses as safe links; everything else escaped."""
    html = urlize(text, nofollow=True, autoescape=True)
    return mark_safe(html.replace('rel="nofollow"', 'rel="nofollow noopener"'))


def post(member, module, text, parent=None, now=None):
    now = now or timezone.now()
    if not in_audience(member, module):
        raise VoiceError(
            _("Only members who may study this module take part in its discussion."),
            "not_audience",
        )
    if not is_open(module):
        raise VoiceError(_("The discussion of this module is closed."), "closed")
    text = _clean_text(text, label=_("The comment"), max_length=TEXT_MAX)
    if parent is not None:
        if parent.module_id != module.pk:
            raise VoiceError(_("You can only reply to a comment of this module."), "parent")
        parent = parent.parent or parent  # one level of replies
    check_rate(member.comments.all(), settings.COMMENT_RATE_PER_HOUR, now)
    comment = Comment.objects.create(
        module=module, member=member, parent=parent, text=text, created_at=now
    )
    if parent is not None and parent.member_id != member.pk:
        notify(
            parent.member.user,
            COMMENT_REPLY,
            gettext_lazy("%(name)s replied to your comment"),
            params={"name": member.name},
            body=text,
            url=reverse("dj_learning:discussion", args=[module.pk]) + f"#comment-{comment.pk}",
            key=f"voice-comment:{comment.pk}",
        )
    return comment


def edit(member, comment, text, now=None):
    now = now or timezone.now()
    if comment.member_id != member.pk:
        raise VoiceError(_("Only the author can edit a comment."), "not_yours")
    if not in_audience(member, comment.module):
        raise VoiceError(
            _("Only members who may study this module take part in its discussion."),
            "not_audience",
        )
    if now - comment.created_at > timedelta(minutes=settings.COMMENT_EDIT_MINUTES):
        raise VoiceError(
            _("A comment can be edited for %(n)s minutes after it is posted.")
            % {"n": settings.COMMENT_EDIT_MINUTES},
            "too_late",
        )
    comment.text = _clean_text(text, label=_("The comment"), max_length=TEXT_MAX)
    comment.edited_at = now
    comment.save(update_fields=["text", "edited_at"])
    return comment


def report(member, comment, reason="", now=None):
    """Report a comment (once per member; a second report changes nothing)."""
    now = now or timezone.now()
    if not in_audience(member, comment.module):
        raise VoiceError(
            _("Only members who may study this module take part in its discussion."),
            "not_audience",
        )
    check_rate(CommentReport.objects.filter(member=member), settings.REPORT_RATE_PER_HOUR, now)
    try:
        with transaction.atomic():
            CommentReport.objects.create(
                comment=comment, member=member, reason=reason.strip()[:300], created_at=now
            )
    except IntegrityError:
        return False
    return True


def hide(user, comment, reason, now=None):
    if not may_moderate(user, comment.module, comment):
        raise VoiceError(_("You may not moderate this comment."), "forbidden")
    reason = _clean_text(reason, label=_("The reason"), max_length=300)
    comment.hidden_at = now or timezone.now()
    comment.hidden_reason = reason
    comment.hidden_by = user
    comment.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    notify(
        comment.member.user,
        COMMENT_HIDDEN,
        gettext_lazy("A moderator hid your comment"),
        body=reason,
        url=reverse("dj_learning:discussion", args=[comment.module_id]),
        key=f"voice-hidden:{comment.pk}:{comment.hidden_at.timestamp()}",
    )
    return comment


def unhide(user, comment):
    if not may_moderate(user, comment.module, comment):
        raise VoiceError(_("You may not moderate this comment."), "forbidden")
    comment.hidden_at = None
    comment.hidden_reason = ""
    comment.hidden_by = None
    comment.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    return comment
