"""The activities API: the caller's upcoming activities, sign-up and check-in, the organizer's
current code, daily sign-in and volunteer service. Thin: each calls a service."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError as UploadRefused
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.files import UploadedFile

from dj_learning import uploads
from dj_learning.api_schema import DecimalIn, Id, Text, errors
from dj_learning.members.services import member_for

from . import services

router = Router(tags=["activities"])


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    place: str
    starts_at: datetime
    ends_at: datetime
    unit: str
    signup: bool
    capacity: int | None
    signup_deadline: datetime | None
    signed_up: bool
    checkin_open: bool


class ActivitySignUpOut(Schema):
    activity_id: int
    signed_up: bool


class ActivityCodeOut(Schema):
    code: str
    expires_at: datetime
    checked_in: int


class ActivityCodeIn(Schema):
    code: Text


class ActivityCheckInOut(Schema):
    activity_id: int
    at: datetime
    points: int


class DailySignInOut(Schema):
    day: date
    streak: int
    points: int


class VolunteerIn(Schema):
    date: date
    hours: DecimalIn
    description: Text


class VolunteerOut(Schema):
    id: int
    date: date
    hours: Decimal
    description: str
    status: str
    has_proof: bool


def _own(request):
    member = member_for(request.user)
    if member is None:
        raise HttpError(404, _("This account has no member record."))
    return member


def _refused(error):
    # A valid request the rules refuse (a full activity, a closed window) is a 409: a 400
    # would say the request itself is malformed. A wrong check-in code is the exception:
    # the caller typed it, and typing it again is the fix (400, as for a wrong password).
    if isinstance(error, services.WrongCode):
        return HttpError(400, str(error))
    return HttpError(409 if error.status == 400 else error.status, str(error))


@router.get(
    "/activities",
    response={200: list[ActivityOut], **errors(404)},
    summary="The caller's upcoming activities",
)
def my_activities(request):
    member = _own(request)
    activities = list(services.upcoming_for(member)[:100])
    mine = set(
        member.activity_signups.filter(activity__in=activities).values_list(
            "activity_id", flat=True
        )
    )
    return [
        {
            "id": a.pk,
            "title": a.title,
            "kind": a.kind,
            "place": a.place,
            "starts_at": a.starts_at,
            "ends_at": a.ends_at,
            "unit": a.unit.name,
            "signup": a.signup,
            "capacity": a.capacity,
            "signup_deadline": a.signup_deadline,
            "signed_up": a.pk in mine,
            "checkin_open": services.window_open(a),
        }
        for a in activities
    ]


@router.post(
    "/activities/{int:activity_id}/signup",
    response={201: ActivitySignUpOut, **errors(403, 409)},
    summary="Sign up (capacity and deadline enforced)",
)
def signup(request, activity_id: Id):
    try:
        services.signup(_own(request), activity_id)
    except services.ActivityError as error:
        raise _refused(error) from None
    return Status(201, {"activity_id": activity_id, "signed_up": True})


@router.get(
    "/activities/{int:activity_id}/code",
    response=ActivityCodeOut,
    summary="The current check-in code and when it changes (the organizer's scope only)",
)
def current_code(request, activity_id: Id):
    activity = get_object_or_404(services.managed_by(request.user), pk=activity_id)
    code = services.current_code(activity)
    return {
        "code": code.code,
        "expires_at": code.expires_at,
        "checked_in": services.checked_in_count(activity.pk),
    }


@router.post(
    "/activities/{int:activity_id}/checkin",
    response={201: ActivityCheckInOut, **errors(400, 403, 409)},
    summary="Check in with the code the screen shows",
    description=(
        "400: the code is wrong, or older than the screen's previous one. 409: checked in "
        "already, or the check-in window is closed. 403: the member is not in the audience."
    ),
)
def checkin(request, activity_id: Id, payload: ActivityCodeIn):
    member = _own(request)
    activity = get_object_or_404(services.for_member(member), pk=activity_id)
    try:
        attendance, entry = services.check_in(member, activity, payload.code)
    except services.ActivityError as error:
        raise _refused(error) from None
    return Status(
        201,
        {"activity_id": activity.pk, "at": attendance.at, "points": entry.amount if entry else 0},
    )


@router.post(
    "/me/signin",
    response={201: DailySignInOut, **errors(404, 409)},
    summary="Daily sign-in: the answer gives the streak and the points",
)
def daily_sign_in(request):
    try:
        result = services.sign_in_today(_own(request))
    except services.ActivityError as error:
        raise _refused(error) from None
    return Status(
        201,
        {"day": result.sign_in.day, "streak": result.sign_in.streak, "points": result.points},
    )


def _volunteer(v):
    return {
        "id": v.pk,
        "date": v.date,
        "hours": v.hours,
        "description": v.description,
        "status": v.status,
        "has_proof": bool(v.proof),
    }


@router.post(
    "/me/volunteer",
    response={201: VolunteerOut, **errors(404, 409)},
    summary="Log volunteer hours; they count once the branch approves them",
)
def log_volunteer(request, payload: VolunteerIn):
    try:
        entry = services.log_volunteering(
            _own(request),
            date=payload.date,
            hours=payload.hours,
            description=payload.description,
        )
    except services.ActivityError as error:
        raise _refused(error) from None
    return Status(201, _volunteer(entry))


@router.get(
    "/me/volunteer",
    response={200: list[VolunteerOut], **errors(404)},
    summary="The caller's volunteer service",
)
def my_volunteer(request):
    return [_volunteer(v) for v in services.volunteering_of(_own(request))[:200]]


@router.post(
    "/me/volunteer/{int:volunteering_id}/proof",
    response={200: VolunteerOut, **errors(409)},
    summary="Attach a photo or proof (an image or a PDF) to hours still waiting for review",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "encoding": {
                        "proof": {
                            "contentType": "image/jpeg, image/png, image/gif, image/webp, "
                            "application/pdf"
                        }
                    }
                }
            }
        }
    },
)
def attach_volunteer_proof(request, volunteering_id: Id, proof: File[UploadedFile]):
    # The one upload check: the file is judged by its content, re-encoded if an image.
    try:
        checked = uploads.check_upload(proof)
    except UploadRefused as error:
        raise ValidationError(
            [{"loc": ["body", "proof"], "msg": " ".join(error.messages), "type": error.code}]
        ) from None
    try:
        entry = services.attach_volunteering_proof(_own(request), volunteering_id, checked)
    except services.ActivityError as error:
        raise _refused(error) from None
    return _volunteer(entry)
