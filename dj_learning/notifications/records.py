"""Notices of member record changes, which the members app cannot send itself.

``members`` and ``review`` sit below this app in the layers, so they announce a
decision with ``review.signals.request_decided`` and this module, connected in
``NotificationsConfig.ready()``, writes the notices:

- **approved**: the member whose record changed (or was created) hears that it
  was applied;
- **returned**: whoever made the request (the member for their own correction,
  else the clerk) hears why, with a link to correct it.

Keys make each decision one notice: a double-clicked "approve" decides once, a
request returned twice (after a resubmission) gives two notices, one per return.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .services import Kind, in_language, kinds, notify

RECORD_APPROVED = "members.record_approved"
RECORD_RETURNED = "members.record_returned"


def register_kinds():
    kinds.register(
        RECORD_APPROVED, Kind(gettext_lazy("A change to my record approved"), email=True)
    )
    kinds.register(
        RECORD_RETURNED, Kind(gettext_lazy("A record change request returned"), email=True)
    )


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a host site without the member pages or the admin
        return ""


def on_request_decided(sender, review_request, step, applied, **kwargs):
    """``request_decided`` receiver for ``RecordChange``: one notice per decision."""
    change = review_request
    if applied:
        member = change.member
        if member is None or not member.user_id:
            return
        with in_language(member.user):
            notify(
                member.user,
                RECORD_APPROVED,
                _("Your member record was updated"),
                body=_("A change to your record (%(kind)s) was approved and applied.")
                % {"kind": change.get_kind_display()},
                url=_url("dj_learning:profile"),
                key=f"record-change:{change.pk}:applied",
            )
        return
    requester = change.requested_by
    own = change.member is not None and change.member.user_id == requester.pk
    with in_language(requester):
        if own:
            title, url = _("Your correction request was returned"), _url("dj_learning:profile")
        else:
            title = _("A record change request was returned: %(name)s") % {"name": str(change)}
            url = _url("learning_records:change", change.pk)
        notify(
            requester,
            RECORD_RETURNED,
            title,
            body=_("Reason: %(reason)s") % {"reason": step.comment},
            url=url,
            key=f"record-change:{change.pk}:returned:{step.pk}",
        )
