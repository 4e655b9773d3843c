from datetime import date
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import BeforeValidator, ConfigDict, create_model

from dj_learning.api_schema import NO_NUL, Id, Pagination, Text, errors, example
from dj_learning.orgs import scope
from dj_learning.orgs.api import UnitRef
from dj_learning.orgs.models import Unit
from dj_learning.review import services as review

from . import audit, records
from .models import Member, RecordChange
from .services import member_for

router = Router(tags=["members"])


class UserOut(Schema):
    id: int
    username: str
    is_superuser: bool


class MemberOut(Schema):
    id: int
    member_number: str
    name: str
    unit: UnitRef
    join_date: date | None
    phone: str
    status: str
    status_label: str

    @staticmethod
    def resolve_status_label(member):
        return member.get_status_display()


class RoleOut(Schema):
    role: str
    role_label: str
    unit: UnitRef

    @staticmethod
    def resolve_role_label(role):
        return role.get_role_display()


class MeOut(Schema):
    user: UserOut
    member: MemberOut | None
    roles: list[RoleOut]
    language: str


@router.get("/me", response=MeOut, summary="The caller's account, member profile and roles")
def me(request):
    user = request.user
    member = member_for(user)
    return {
        "user": user,
        "member": member,
        "roles": list(user.learning_roles.select_related("unit").order_by("unit__path", "role")),
        "language": get_language(),
    }


# -- Member records (staff) ---------------------------------------------------------


STAFF_ROLES = scope.STAFF_ROLES


class RecordOut(Schema):
    id: int
    member_number: str
    name: str
    gender: str
    birth_date: date | None
    id_number: str
    phone: str
    unit: UnitRef
    join_date: date | None
    full_member_date: date | None
    position: str
    education: str
    status: str


def _record_out(user, member):
    return {
        **{name: getattr(member, name) for name in RecordOut.model_fields if name != "id_number"},
        "id_number": records.id_number_for(user, member),
    }


class ChangeOut(Schema):
    id: int
    kind: str
    status: str
    level: int
    levels: list[str]
    member_id: int | None
    member_number: str
    unit: UnitRef
    changes: dict[str, list[str]]
    reason: str
    requested_by: str
    requested_at: str


def _change_out(user, change):
    changes = dict(change.changes)
    if "id_number" in changes and not (
        scope.sees_everything(user)
        or (change.member and records.can_see_identity(user, change.member))
    ):
        changes["id_number"] = [Member(id_number=v).masked_id_number for v in changes["id_number"]]
    return {
        "id": change.pk,
        "kind": change.kind,
        "status": change.status,
        "level": change.level,
        "levels": change.level_kinds(),
        "member_id": change.member_id,
        "member_number": change.member_number,
        "unit": change.unit,
        "changes": changes,
        "reason": change.reason,
        "requested_by": change.requested_by.get_username(),
        "requested_at": change.requested_at.isoformat(),
    }


@router.get(
    "/me/record",
    response={200: RecordOut, **errors(404)},
    summary="The caller's own member record",
)
def my_record(request):
    member = member_for(request.user)
    if member is None:
        raise HttpError(404, _("This account has no member record."))
    return _record_out(request.user, member)


@router.get("/records", response=list[RecordOut], summary="Member records in the caller's units")
@paginate(Pagination)
def list_records(request, q: Text = ""):
    members = scope.filter_members(request.user, Member.objects.all(), roles=STAFF_ROLES)
    if q:
        members = members.filter(Q(name__icontains=q) | Q(member_number__icontains=q))
    members = members.select_related("unit").order_by("unit__path", "member_number")
    return [_record_out(request.user, m) for m in members]


@router.get("/records/{int:member_id}", response=RecordOut, summary="One member record in scope")
def get_record(request, member_id: Id):
    members = scope.filter_members(request.user, Member.objects.all(), roles=STAFF_ROLES)
    return _record_out(
        request.user, get_object_or_404(members.select_related("unit"), pk=member_id)
    )


#: Text with more than spaces (the form strips them), and no NUL characters.
FILLED = r"^[^\x00]*[^\x00\s][^\x00]*$"


def _date_text(value):
    # pydantic would read a number as a timestamp; the schema says a YYYY-MM-DD text.
    if not isinstance(value, str):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


def _value_type(name, required):
    """The type of one record field in a request, as the record form takes it."""
    field = Member._meta.get_field(name)
    blank = field.blank and name != "unit"
    if isinstance(field, models.DateField):
        kind = Annotated[date, BeforeValidator(_date_text)]
    elif field.choices:
        kind = Literal[tuple(value for value, _label in field.choices)]
        kind = kind | Literal[""] if blank else kind
    else:
        text = Unit._meta.get_field("code") if name == "unit" else field  # a unit by its code
        kind = Annotated[
            str, Field(max_length=text.max_length, pattern=NO_NUL if blank else FILLED)
        ]
    if blank:
        kind = kind | None  # null (or "") clears the field
    return (kind, ... if name in required else None)


def _values_schema(schema_name, doc, required=()):
    """The ``values`` of a request: the record fields (and the member number of a new
    record), ``required`` ones required, the others optional; unknown ones refused."""
    fields = (["member_number"] if required else []) + Member.record_fields
    schema = create_model(
        schema_name,
        __base__=Schema,
        __doc__=doc,
        **{name: _value_type(name, required) for name in fields},
    )
    # Refused, not ignored: a misspelt field must not pass as "unchanged".
    schema.model_config = ConfigDict(**Schema.model_config, extra="forbid")
    schema.model_rebuild(force=True)
    return schema


#: A change: any record field may change; a field left out stays as it is.
RecordValuesIn = _values_schema(
    "RecordValuesIn", "The fields to change (left out: unchanged); `unit` is a unit's code."
)
#: A new record: its member number, name, unit and status are required.
NewRecordValuesIn = _values_schema(
    "NewRecordValuesIn",
    "A new record's fields; `unit` is a unit's code.",
    required=("member_number", "name", "unit", "status"),
)


class RecordChangeIn(Schema):
    """A change to the record ``member_id``."""

    model_config = {
        "json_schema_extra": example(
            member_id=4, values={"phone": "13911112222", "unit": "r1-branch-2"}, reason="换号"
        )
    }

    member_id: Id
    values: RecordValuesIn
    reason: Text = ""


class NewRecordIn(Schema):
    """A new record (no ``member_id``)."""

    member_id: None = None
    values: NewRecordValuesIn
    reason: Text = ""


def _form_values(user, member, values):
    data = {**(records.current_values(member) if member else {}), **values}
    if data.get("unit"):
        # A unit outside the caller's units looks like one that does not exist.
        unit = scope.visible_units(user, roles=STAFF_ROLES).filter(code=data["unit"]).first()
        if unit is None:
            raise HttpError(404, _("There is no unit with this code in your units."))
        data["unit"] = unit.pk
    form = records.RecordForm(data, instance=member or Member())
    if not form.is_valid():
        raise HttpError(422, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return form.cleaned_data


@router.post(
    "/record-changes",
    response={201: ChangeOut, **errors(403, 404, 409)},
    summary="Propose a record change (with `member_id`) or a new record (without)",
)
def propose(request, body: RecordChangeIn | NewRecordIn):
    if not scope.has_role(request.user, STAFF_ROLES):
        raise HttpError(403, _("Only staff of a unit may propose record changes."))
    member = None
    if body.member_id is not None:
        members = scope.filter_members(request.user, Member.objects.all(), roles=STAFF_ROLES)
        member = get_object_or_404(members, pk=body.member_id)
    values = body.values.model_dump(exclude_unset=True)
    try:
        change = records.propose_change(
            request.user, member, _form_values(request.user, member, values), body.reason
        )
    except ValidationError as error:
        raise HttpError(409, " ".join(error.messages)) from error
    return Status(201, _change_out(request.user, change))


def _changes_in_scope(user):
    return scope.filter_members(user, RecordChange.objects.all(), roles=STAFF_ROLES)


@router.get("/record-changes", response=list[ChangeOut], summary="Record changes in scope")
@paginate(Pagination)
def list_changes(request, status: Text = "", waiting_for_me: bool = False):
    if waiting_for_me:
        changes = review.queue_for(request.user, RecordChange.objects.all())
    else:
        changes = _changes_in_scope(request.user).select_related("unit", "requested_by")
        if status:
            changes = changes.filter(status=status)
    return [_change_out(request.user, c) for c in changes]


class DecisionIn(Schema):
    comment: Text = ""


def _decide(request, change_id, action, comment):
    change = get_object_or_404(
        _changes_in_scope(request.user).select_related("unit", "requested_by"), pk=change_id
    )
    level = change.level
    try:
        change = action(change, request.user, comment)
    except review.ReviewError as error:
        raise HttpError(409, str(error)) from error
    decision = "approve" if action is review.approve else "reject"
    audit.log_decision(change, request.user, decision, comment, level)
    return _change_out(request.user, change)


@router.post(
    "/record-changes/{int:change_id}/approve",
    response={200: ChangeOut, **errors(409)},
    summary="Approve at the current level",
)
def approve(request, change_id: Id, body: DecisionIn | None = None):
    return _decide(request, change_id, review.approve, body.comment if body else "")


@router.post(
    "/record-changes/{int:change_id}/reject",
    response={200: ChangeOut, **errors(409)},
    summary="Return to the clerk with a reason",
)
def reject(request, change_id: Id, body: DecisionIn | None = None):
    return _decide(request, change_id, review.reject, body.comment if body else "")
