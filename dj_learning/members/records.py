"""Member records under review: proposing changes, applying them, history, masking.

Views, the API, the import and commands call these functions.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dj_learning.conf import settings
from dj_learning.orgs import scope
from dj_learning.orgs.models import StaffRole, Unit
from dj_learning.review import services as review
from dj_learning.review.models import ReviewStep

from .models import Member, RecordChange, mask

CLERK_ROLES = [StaffRole.Role.CLERK, StaffRole.Role.ADMIN]


def can_see_identity(user, member):
    """May ``user`` see ``member``'s ID number in full?"""
    return scope.can_see_member(user, member, roles=list(settings.ID_NUMBER_ROLES))


def id_number_for(user, member):
    if can_see_identity(user, member):
        return member.id_number or ""
    return member.masked_id_number


def may_edit(user, member):
    return scope.can_see_member(user, member, roles=CLERK_ROLES)


# -- Values as text ----------------------------------------------------------------


def _field(name):
    return Member._meta.get_field(name)


def as_text(name, value):
    """A field's value as stored in a change request."""
    if value in (None, ""):
        return ""
    if name == "unit":
        return value.code if isinstance(value, Unit) else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def current_values(member):
    return {name: as_text(name, getattr(member, name)) for name in Member.record_fields}


def display(name, text, units=None):
    """A stored value as a person reads it: choice labels, unit names."""
    if not text:
        return "—"
    if name == "unit":
        unit = (units or {}).get(text) or Unit.objects.filter(code=text).first()
        return unit.name if unit else text
    field = _field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(text, text))
    return text


def display_cell(name, value):
    """A field's value for a spreadsheet cell: choice labels, unit codes, ISO dates."""
    text = as_text(name, value)
    if name != "unit" and text and _field(name).choices:
        return display(name, text)
    return text


def display_changes(change, user=None):
    """``[(label, old, new)]`` for a change request, with ID numbers masked unless allowed."""
    codes = {v for name, pair in change.changes.items() if name == "unit" for v in pair if v}
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    full = (
        user is None
        or (change.member and can_see_identity(user, change.member))
        or (change.member is None and scope.can_see_unit(user, change.unit, roles=CLERK_ROLES))
    )
    rows = []
    for name in [*Member.record_fields, "member_number"]:
        if name not in change.changes:
            continue
        old, new = change.changes[name]
        if name == "id_number" and not full:
            old, new = (
                Member(id_number=old).masked_id_number,
                Member(id_number=new).masked_id_number,
            )
        rows.append(
            (_field(name).verbose_name, display(name, old, units), display(name, new, units))
        )
    return rows


# -- Proposing -------------------------------------------------------------------------


class RecordForm(forms.ModelForm):
    """The fields of a member record, as a clerk edits them."""

    class Meta:
        model = Member
        fields = ["member_number", *Member.record_fields]
        # Browsers' date pickers read and send ISO dates, whatever the page's language.
        widgets = {
            name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for name in ("birth_date", "join_date", "full_member_date")
        }

    def __init__(self, *args, user=None, **kwargs):
        instance = kwargs.get("instance")
        # Captured before binding: a bound ModelForm writes its values onto the instance.
        self._stored_id = getattr(instance, "id_number", None) if instance else None
        super().__init__(*args, **kwargs)
        if "unit" in self.fields:
            self.fields["unit"].queryset = Unit.objects.order_by("path")
        if self.instance.pk and "member_number" in self.fields:
            # The member number is the record's key; it is not changed through review.
            self.fields["member_number"].disabled = True

    def clean_id_number(self):
        """An ID number sent back as it was shown (masked) means: unchanged."""
        value = self.cleaned_data.get("id_number")
        if value and self._stored_id and value == mask(self._stored_id):
            return self._stored_id
        return value or None

    def validate_unique(self):
        # Uniqueness is checked by propose_change, which names the conflicting record.
        pass


def _conflicts(user, member, values):
    errors = {}
    for name in ("id_number", "member_number"):
        value = values.get(name)
        if not value:
            continue
        other = Member.objects.filter(**{name: value}).exclude(pk=getattr(member, "pk", None))
        other = other.select_related("unit").first()
        if other is not None:
            if scope.can_see_member(user, other, roles=CLERK_ROLES + [StaffRole.Role.REVIEWER]):
                errors[name] = _(
                    "%(field)s is already used by the record of %(name)s (%(number)s, %(unit)s)."
                ) % {
                    "field": _field(name).verbose_name,
                    "name": other.name,
                    "number": other.member_number,
                    "unit": other.unit.name,
                }
            else:
                errors[name] = _("%(field)s is already used by another record.") % {
                    "field": _field(name).verbose_name
                }
    if errors:
        raise ValidationError(errors)


def check_proposal(user, member, values):
    """Refuse a proposal outside the user's units or with a duplicate ID or member number."""
    if member is not None:
        # The stored record decides, never an instance a form has written onto.
        stored = Member.objects.select_related("unit").get(pk=member.pk)
        if not may_edit(user, stored):
            raise ValidationError(_("This record is outside your units."))
    else:
        unit = values.get("unit")
        if unit is None or not scope.can_see_unit(user, unit, roles=CLERK_ROLES):
            raise ValidationError({"unit": _("You can add records only to your own units.")})
        if not values.get("member_number"):
            raise ValidationError({"member_number": _("A new record needs a member number.")})
    _conflicts(user, member, values)


def diff(member, values):
    """``{field: [old, new]}`` for the fields ``values`` would change.

    The old values are read from the database: a ``RecordForm`` bound to the
    member has already written the new values onto the instance it was given.
    """
    old = current_values(Member.objects.select_related("unit").get(pk=member.pk)) if member else {}
    changes = {}
    for name in Member.record_fields:
        if name not in values:
            continue
        new = as_text(name, values[name])
        if old.get(name, "") != new:
            changes[name] = [old.get(name, ""), new]
    if member is None:
        changes["member_number"] = ["", values["member_number"]]
    return changes


def propose_change(user, member, values, reason=""):
    """A clerk's request to change ``member`` (or, with ``member=None``, to create a record).

    ``values`` are cleaned form values (``RecordForm.cleaned_data``). Raises
    ``ValidationError`` for a record outside the clerk's subtree, a duplicate
    ID or member number (naming the conflicting record to staff who may see
    it), or a request that changes nothing. Returns the submitted request.
    """
    check_proposal(user, member, values)
    kind = RecordChange.Kind.CREATE if member is None else RecordChange.Kind.UPDATE
    if member is not None:
        member = Member.objects.select_related("unit").get(pk=member.pk)
    unit = values["unit"] if member is None else member.unit
    return _submit(user, member, unit, kind, values, reason)


def request_correction(member, values, reason):
    """The member's own request to correct their record; it enters the same review."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say what is wrong and why.")})
    _conflicts(member.user, member, values)
    return _submit(member.user, member, member.unit, RecordChange.Kind.CORRECTION, values, reason)


def _submit(user, member, unit, kind, values, reason):
    changes = diff(member, values)
    if not changes:
        raise ValidationError(_("Nothing would change."))
    if kind == RecordChange.Kind.UPDATE and "unit" in changes:
        kind = RecordChange.Kind.TRANSFER
    change = RecordChange(
        member=member,
        unit=unit,
        kind=kind,
        member_number=member.member_number if member else values["member_number"],
        changes=changes,
        reason=reason,
    )
    return review.submit(change, user, reason)


def resubmit(user, change, values, reason=""):
    """The clerk corrects a returned request and sends it to review again.

    The request is locked and checked first: only a returned request, and only
    by the clerk who made it; the proposal is checked again like a new one.
    """
    with transaction.atomic():
        change = RecordChange.objects.select_for_update().get(pk=change.pk)
        if change.status != RecordChange.Status.REJECTED:
            raise review.ReviewError(_("Only a returned request can be resubmitted."))
        if change.requested_by_id != user.pk:
            raise ValidationError(_("Only the clerk who made the request can resubmit it."))
        member = change.member
        if member is None:
            values = {**values, "member_number": change.member_number}
        check_proposal(user, member, values)
        change.changes = diff(member, values)
        if member is None:
            change.unit = values["unit"]
        elif change.kind in (RecordChange.Kind.UPDATE, RecordChange.Kind.TRANSFER):
            change.kind = (
                RecordChange.Kind.TRANSFER if "unit" in change.changes else RecordChange.Kind.UPDATE
            )
        change.save(update_fields=["changes", "unit", "kind"])
        return review.resubmit(change, user, reason)


# -- Applying --------------------------------------------------------------------------


def _parse(name, text):
    if text == "":
        return None if _field(name).null else ""
    if name == "unit":
        return Unit.objects.get(code=text)
    return _field(name).to_python(text)


def apply_record_change(change):
    """Write an approved request to the record; called by the review flow's last approval."""
    values = {
        name: _parse(name, pair[1])
        for name, pair in change.changes.items()
        if name != "member_number"
    }
    try:
        with transaction.atomic():
            if change.member_id is None:
                user = get_user_model().objects.create_user(username=change.member_number)
                user.set_unusable_password()
                user.save()
                member = Member.objects.create(
                    user=user,
                    member_number=change.member_number,
                    responsible_clerk=change.requested_by if change.kind != "correction" else None,
                    **{k: v for k, v in values.items() if v is not None},
                )
                change.member = member
                change.save(update_fields=["member"])
            else:
                member = Member.objects.select_for_update().get(pk=change.member_id)
                current = current_values(member)
                stale = [
                    name
                    for name, (old, _new) in change.changes.items()
                    if name in current and current[name] != old
                ]
                if stale:
                    raise review.ReviewError(
                        _(
                            "The record changed after this request was made (%(fields)s); "
                            "return it so the clerk can propose it again."
                        )
                        % {"fields": ", ".join(str(_field(n).verbose_name) for n in stale)}
                    )
                for name, value in values.items():
                    setattr(member, name, value)
                if change.kind != RecordChange.Kind.CORRECTION:
                    member.responsible_clerk = change.requested_by
                member.save()
    except IntegrityError as error:
        raise review.ReviewError(
            _(
                "The record cannot be saved: its ID number or member number is used by another record."
            )
        ) from error


def history(member):
    """The applied changes of a record, oldest first, with their review steps."""
    return list(
        member.record_changes.filter(status=RecordChange.Status.APPLIED)
        .select_related("requested_by")
        .prefetch_related("steps__actor")
        .order_by("decided_at")
    )


def approvals(change):
    return [s for s in change.steps.all() if s.decision == ReviewStep.Decision.APPROVE]
