"""Members' voice in the API: suggestions (send, list mine, read, staff reply) and polls
(list, read, respond, results). Thin: each calls a service."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from wagtail.log_actions import log

from dj_learning.api_schema import Id, Text, errors
from dj_learning.members.services import member_for

from . import discussion, services
from .models import Poll

router = Router(tags=["voice"])


class SuggestionIn(Schema):
    title: Text
    text: Text
    category: Id | None = None
    show_name: bool = True
    kind: Text = "suggestion"


class SuggestionReplyOut(Schema):
    text: str
    created_at: datetime


class SuggestionOut(Schema):
    id: int
    number: str
    title: str
    status: str
    category: str | None
    created_at: datetime
    published: bool


class SuggestionDetailOut(SuggestionOut):
    text: str
    sender: str
    replies: list[SuggestionReplyOut]


class SuggestionReplyIn(Schema):
    text: Text
    internal: bool = False


def _own(request):
    member = member_for(request.user)
    if member is None:
        raise HttpError(404, _("This account has no member record."))
    return member


def _suggestion(s):
    return {
        "id": s.pk,
        "number": s.number,
        "title": s.title,
        "status": s.status,
        "category": s.category.name if s.category_id else None,
        "created_at": s.created_at,
        "published": s.published,
    }


#: The status of a refused ``VoiceError`` by its code; any other refusal is a 409 (the
#: rules of a valid request refuse it: an empty text, a closed discussion, ...).
REFUSED = {"rate_limited": 429, "category": 404, "not_audience": 403}


def _refused(error):
    return HttpError(REFUSED.get(error.code, 409), error.message)


@router.post(
    "/suggestions",
    response={201: SuggestionOut, **errors(404, 409, 429)},
    summary="Send a suggestion or complaint; answers with its id and tracking number",
)
def create_suggestion(request, payload: SuggestionIn):
    member = _own(request)
    try:
        suggestion = services.submit(
            member,
            title=payload.title,
            text=payload.text,
            category=payload.category,
            show_name=payload.show_name,
            kind=payload.kind,
        )
    except services.VoiceError as error:
        raise _refused(error) from None
    return Status(201, _suggestion(suggestion))


@router.get(
    "/suggestions",
    response={200: list[SuggestionOut], **errors(404)},
    summary="The caller's suggestions",
)
def my_suggestions(request):
    return [_suggestion(s) for s in services.mine(_own(request))[:200]]


@router.get(
    "/suggestions/{int:suggestion_id}",
    response=SuggestionDetailOut,
    summary="A suggestion with its replies: the caller's own, one published in their region, "
    "or, for staff, one of their subtree",
)
def get_suggestion(request, suggestion_id: Id):
    member = member_for(request.user)
    suggestion = services.for_member(request.user, suggestion_id)
    if suggestion is None:
        suggestion = get_object_or_404(services.staff_queue(request.user), pk=suggestion_id)
        sender = suggestion.member.name  # staff always see the name
    else:
        sender = services.shown_name(suggestion, member)
    return {
        **_suggestion(suggestion),
        "text": suggestion.text,
        "sender": sender,
        "replies": [
            {"text": r.text, "created_at": r.created_at} for r in services.replies(suggestion)
        ],
    }


@router.post(
    "/suggestions/{int:suggestion_id}/reply",
    response={201: SuggestionReplyOut, **errors(409)},
    summary="Staff of the suggestion's unit reply (or add an internal note)",
)
def reply_suggestion(request, suggestion_id: Id, payload: SuggestionReplyIn):
    suggestion = get_object_or_404(services.staff_queue(request.user), pk=suggestion_id)
    try:
        message = services.reply(suggestion, request.user, payload.text, internal=payload.internal)
    except services.VoiceError as error:
        raise _refused(error) from None
    log(suggestion, "learning_voice.note" if payload.internal else "learning_voice.reply",
        user=request.user)  # fmt: skip
    return Status(201, {"text": message.text, "created_at": message.created_at})


# -- Polls ---------------------------------------------------------------------------------


class PollOut(Schema):
    id: int
    title: str
    anonymous: bool
    opens_at: datetime
    closes_at: datetime
    voted: bool


class PollOptionOut(Schema):
    id: int
    text: str


class PollQuestionOut(Schema):
    id: int
    text: str
    type: str
    required: bool
    max_choices: int | None
    options: list[PollOptionOut]


class PollDetailOut(PollOut):
    description: str
    results: str
    questions: list[PollQuestionOut]


class PollAnswerIn(Schema):
    question: Id
    options: list[Id] | None = None
    rating: int | None = Field(None, ge=1, le=5)
    text: Text | None = None


class PollResponseIn(Schema):
    answers: list[PollAnswerIn]


class PollThanksOut(Schema):
    detail: str


class PollBarOut(Schema):
    label: str
    count: int
    percent: float


class PollQuestionResultOut(Schema):
    id: int
    text: str
    type: str
    respondents: int
    bars: list[PollBarOut]
    average: float | None
    texts: list[str]


class PollResultsOut(Schema):
    id: int
    voters: int
    questions: list[PollQuestionResultOut]


def _poll_out(poll, voted):
    return {
        "id": poll.pk,
        "title": poll.title,
        "anonymous": poll.anonymous,
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "voted": voted,
    }


def _poll_for(request, poll_id):
    """A poll the caller may see: of their audience (and opened), or of their staff subtree."""
    poll = get_object_or_404(Poll.objects.select_related("unit"), pk=poll_id)
    member = member_for(request.user)
    if services.staff_may_see_poll(request.user, poll):
        return poll, member
    if services.in_audience(member, poll) and poll.opens_at <= timezone.now():
        return poll, member
    raise HttpError(404, _("Not found, or not yours to see."))


@router.get(
    "/polls",
    response={200: list[PollOut], **errors(404)},
    summary="The polls open to the caller",
)
def open_polls(request):
    member = _own(request)
    polls = list(services.open_polls_for(member)[:200])
    voted = services.voted_poll_ids(member, [p.pk for p in polls])
    return [_poll_out(p, p.pk in voted) for p in polls]


@router.get("/polls/{int:poll_id}", response=PollDetailOut, summary="A poll with its questions")
def get_poll(request, poll_id: Id):
    poll, member = _poll_for(request, poll_id)
    return {
        **_poll_out(poll, services.has_voted(member, poll)),
        "description": poll.description,
        "results": poll.results,
        "questions": [
            {
                "id": q.pk,
                "text": q.text,
                "type": q.type,
                "required": q.required,
                "max_choices": q.max_choices,
                "options": [{"id": o.pk, "text": o.text} for o in q.options.all()],
            }
            for q in services.questions_of(poll)
        ],
    }


@router.post(
    "/polls/{int:poll_id}/responses",
    response={201: PollThanksOut, **errors(403, 409)},
    summary="Answer a poll; a second response is refused with 409",
)
def respond(request, poll_id: Id, payload: PollResponseIn):
    poll, member = _poll_for(request, poll_id)
    if member is None:
        raise HttpError(404, _("This account has no member record."))
    answers = [a.model_dump(exclude_none=True) for a in payload.answers]
    try:
        services.respond(member, poll, answers)
    except services.AlreadyVoted as error:
        raise HttpError(409, error.message) from None
    except services.PollError as error:
        status = 403 if error.code in ("audience", "closed") else 409
        raise HttpError(status, error.message) from None
    return Status(201, {"detail": _("Thank you: your answers are saved.")})


@router.get(
    "/polls/{int:poll_id}/results",
    response={200: PollResultsOut, **errors(403)},
    summary="A poll's results, when the poll shows them to the caller (staff always)",
)
def poll_results(request, poll_id: Id):
    poll, member = _poll_for(request, poll_id)
    if not services.may_see_results(request.user, member, poll):
        raise HttpError(403, _("The results of this poll are not shown to you now."))
    results = services.results(poll)
    return Status(
        200,
        {
            "id": poll.pk,
            "voters": results["voters"],
            "questions": [
                {
                    "id": row["question"].pk,
                    "text": row["question"].text,
                    "type": row["question"].type,
                    "respondents": row["respondents"],
                    "bars": row["bars"],
                    "average": row["average"],
                    "texts": row["texts"],
                }
                for row in results["questions"]
            ],
        },
    )


# -- Discussion ----------------------------------------------------------------------------


class CommentIn(Schema):
    text: Text
    parent: Id | None = None


class CommentOut(Schema):
    id: int
    parent: int | None
    author: str
    text: str
    created_at: datetime
    edited: bool
    hidden: bool
    hidden_reason: str


def _comment(comment, member):
    own = member is not None and comment.member_id == member.pk
    hidden = comment.hidden_at is not None
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "author": comment.member.name,
        "text": "" if hidden and not own else comment.text,
        "created_at": comment.created_at,
        "edited": comment.edited_at is not None,
        "hidden": hidden,
        "hidden_reason": comment.hidden_reason if own else "",
    }


@router.get(
    "/modules/{int:module_id}/comments",
    response={200: list[CommentOut], **errors(404)},
    summary="A module's comments, each thread's replies after it; hidden ones without text "
    "(their author sees the text and the reason)",
)
def module_comments(request, module_id: Id):
    from dj_learning.courses.models import ModulePage

    module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
    member = member_for(request.user)
    if not discussion.may_read(request.user, member, module):
        raise HttpError(404, _("Not found, or not yours to see."))
    out = []
    for comment in discussion.thread(module):
        out.append(_comment(comment, member))
        out.extend(_comment(reply, member) for reply in comment.replies.all())
    return out


@router.post(
    "/modules/{int:module_id}/comments",
    response={201: CommentOut, **errors(403, 404, 409, 429)},
    summary="Comment under a module, or reply to a comment (one level)",
)
def create_comment(request, module_id: Id, payload: CommentIn):
    from dj_learning.courses.models import ModulePage

    from .models import Comment

    module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
    member = _own(request)
    if not discussion.may_read(request.user, member, module):
        raise HttpError(404, _("Not found, or not yours to see."))
    parent = None
    if payload.parent is not None:
        parent = get_object_or_404(Comment, pk=payload.parent, module=module)
    try:
        comment = discussion.post(member, module, payload.text, parent=parent)
    except services.VoiceError as error:
        raise _refused(error) from None
    return Status(201, _comment(comment, member))
