"""The review flow: submit, approve, reject, resubmit. Built once, used by every request type.

Rules:

- Each level is approved by a reviewer (staff role ``reviewer``) of the unit
  of that level's kind above or at the request's unit: with the default
  levels ``branch,region``, first the branch's reviewer, then the region's.
  A superuser may act at any level.
- Nobody approves their own request, and nobody approves at two levels of the
  same request.
- A rejection returns the request to the clerk with the reason; the clerk may
  correct and resubmit it, and review starts again at level 1.
- The last approval applies the request, in the same transaction; the request
  row is locked first, so two reviewers approving at once apply it once.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dj_learning.conf import settings
from dj_learning.orgs import scope
from dj_learning.orgs.models import StaffRole

from .models import ReviewLevels, ReviewStep
from .signals import request_decided


class ReviewError(Exception):
    """A review action that is refused; ``str()`` is a message for the user."""


def levels_for(unit):
    """The unit kinds that review requests about ``unit``, in order."""
    region = unit.region
    if region is not None:
        row = ReviewLevels.objects.filter(region=region).first()
        if row is not None and row.kinds():
            return row.kinds()
    return list(settings.REVIEW_LEVELS)


def level_unit(review_request, level=None):
    """The unit whose reviewers decide ``level`` (the current one by default)."""
    level = level or review_request.level
    kind = review_request.level_kinds()[level - 1]
    unit = review_request.unit
    if unit.kind == kind:
        return unit
    return unit.get_ancestors().filter(kind=kind).last()


def _record(review_request, level, decision, actor, comment=""):
    return ReviewStep.objects.create(
        content_type=ContentType.objects.get_for_model(type(review_request)),
        object_id=review_request.pk,
        level=level,
        decision=decision,
        actor=actor,
        comment=comment,
    )


def _levels(review_request):
    # A request type may fix its own levels (offline training: the branch alone).
    return list(getattr(review_request, "review_levels", None) or levels_for(review_request.unit))


def submit(review_request, actor, comment=""):
    """Save a new request and put it in the queue of level 1."""
    review_request.levels = ",".join(_levels(review_request))
    review_request.level = 1
    review_request.status = review_request.Status.PENDING
    review_request.requested_by = actor
    for level in range(1, len(review_request.level_kinds()) + 1):
        if level_unit(review_request, level) is None:
            raise ReviewError(
                _("No %(kind)s above %(unit)s can review this request; check the review levels.")
                % {
                    "kind": review_request.level_kinds()[level - 1],
                    "unit": review_request.unit.name,
                }
            )
    with transaction.atomic():
        review_request.save()
        _record(review_request, 1, ReviewStep.Decision.SUBMIT, actor, comment)
    return review_request


def may_review(user, review_request, unit=None):
    """May ``user`` decide ``review_request`` at its current level? Answers why not as a message."""
    if review_request.status != review_request.Status.PENDING:
        return False, _("This request is not waiting for review.")
    if review_request.requested_by_id == user.pk:
        return False, _("You cannot approve a request you made.")
    subject_id = getattr(review_request, "member_id", None)
    if subject_id is not None and subject_id == _own_member_id(user):
        return False, _("You cannot approve a request about yourself.")
    approved = {
        step.actor_id
        for step in review_request.steps.all()
        if step.decision == ReviewStep.Decision.APPROVE
        and step.at >= _last_submit(review_request).at
    }
    if user.pk in approved:
        return False, _("You have approved this request at another level already.")
    if scope.sees_everything(user):
        return True, ""
    # A reviewer decides at the level of the unit they review, not above or below it.
    unit = unit or level_unit(review_request)
    if unit is None or unit.path not in scope.role_unit_paths(user, [StaffRole.Role.REVIEWER]):
        return False, _("You are not a reviewer at this level for this unit.")
    return True, ""


def _own_member_id(user):
    try:
        return user.learning_member.pk  # cached on the user after the first read
    except ObjectDoesNotExist:
        return None


def _last_submit(review_request):
    submits = [s for s in review_request.steps.all() if s.decision == ReviewStep.Decision.SUBMIT]
    return submits[-1]


def _locked(review_request):
    return type(review_request).objects.select_for_update().get(pk=review_request.pk)


def approve(review_request, user, comment=""):
    """Approve at the current level; the last level applies the request. Returns it."""
    with transaction.atomic():
        review_request = _locked(review_request)
        allowed, why = may_review(user, review_request)
        if not allowed:
            raise ReviewError(why)
        step = _record(
            review_request, review_request.level, ReviewStep.Decision.APPROVE, user, comment
        )
        if review_request.level < len(review_request.level_kinds()):
            review_request.level += 1
            review_request.save(update_fields=["level"])
            return review_request
        review_request.apply()
        review_request.status = review_request.Status.APPLIED
        review_request.decided_at = timezone.now()
        review_request.save(update_fields=["status", "decided_at"])
    _decided(review_request, step, applied=True)
    return review_request


def _decided(review_request, step, *, applied):
    request_decided.send(
        sender=type(review_request), review_request=review_request, step=step, applied=applied
    )


def reject(review_request, user, comment):
    """Return the request to the clerk with the reason."""
    if not comment.strip():
        raise ReviewError(_("Say why the request is rejected."))
    with transaction.atomic():
        review_request = _locked(review_request)
        allowed, why = may_review(user, review_request)
        if not allowed:
            raise ReviewError(why)
        step = _record(
            review_request, review_request.level, ReviewStep.Decision.REJECT, user, comment
        )
        review_request.status = review_request.Status.REJECTED
        review_request.decided_at = timezone.now()
        review_request.save(update_fields=["status", "decided_at"])
    _decided(review_request, step, applied=False)
    return review_request


def resubmit(review_request, user, comment=""):
    """Send a rejected request back to level 1 (after the clerk corrected it)."""
    with transaction.atomic():
        review_request = _locked(review_request)
        if review_request.status != review_request.Status.REJECTED:
            raise ReviewError(_("Only a returned request can be resubmitted."))
        if review_request.requested_by_id != user.pk and not scope.sees_everything(user):
            raise ReviewError(_("Only the clerk who made the request can resubmit it."))
        review_request.status = review_request.Status.PENDING
        review_request.level = 1
        review_request.levels = ",".join(_levels(review_request))
        review_request.decided_at = None
        review_request.save(update_fields=["status", "level", "levels", "decided_at"])
        _record(review_request, 1, ReviewStep.Decision.SUBMIT, user, comment)
    return review_request


def count_for(user, queryset):
    """How many pending requests ``user`` may decide now (for badges and panels)."""
    return len(queue_for(user, queryset))


def queue_for(user, queryset):
    """The pending requests of ``queryset`` that ``user`` may decide now.

    Narrowed in the database to the user's reviewer subtree first; the units
    of every request's current level are read in one query.
    """
    from dj_learning.orgs.models import Unit

    pending = queryset.filter(status="pending")
    if not scope.sees_everything(user):
        pending = scope.filter_members(user, pending, roles=[StaffRole.Role.REVIEWER])
    pending = list(pending.select_related("unit", "requested_by").prefetch_related("steps"))
    paths = {path for r in pending for path in r.unit.ancestor_paths()}
    by_path = {u.path: u for u in Unit.objects.filter(path__in=paths)}
    decidable = []
    for review_request in pending:
        kind = review_request.level_kinds()[review_request.level - 1]
        unit = next(
            (
                by_path[path]
                for path in reversed(review_request.unit.ancestor_paths())
                if by_path[path].kind == kind
            ),
            None,
        )
        if unit is not None and may_review(user, review_request, unit=unit)[0]:
            decidable.append(review_request)
    return decidable


def level_counts(user, queryset):
    """``{level: count}`` of the pending requests in the user's scope, for the queue's tabs."""
    pending = queryset.filter(status="pending")
    if not scope.sees_everything(user):
        pending = scope.filter_members(user, pending, roles=[StaffRole.Role.REVIEWER])
    counts = {}
    for level in pending.values_list("level", flat=True):
        counts[level] = counts.get(level, 0) + 1
    return dict(sorted(counts.items()))
