"""Members' voice in the API: suggestions (send, list mine, read, staff reply) and polls
(list, read, respond, results). Thin: each calls a service."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from wagtail.log_actions import log

from dj_learning.members.services import member_for

from . import discussion, services
from .models import Poll

router = Router(tags=["voice"])


class Message(Schema):
    detail: str


class SuggestionIn(Schema):
    title: str
    text: str
    category: int | None = None
    show_name: bool = True
    kind: str = "suggestion"


class ReplyOut(Schema):
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
    replies: list[ReplyOut]


class ReplyIn(Schema):
    text: str
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


def _refused(error):
    status = 429 if error.code == "rate_limited" else 400
    return Status(status, {"detail": error.message})


@router.post(
    "/suggestions",
    response={201: SuggestionOut, 400: Message, 429: Message},
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
        return _refused(error)
    return Status(201, _suggestion(suggestion))


@router.get("/suggestions", response=list[SuggestionOut], summary="The caller's suggestions")
def my_suggestions(request):
    return [_suggestion(s) for s in services.mine(_own(request))[:200]]


@router.get(
    "/suggestions/{suggestion_id}",
    response=SuggestionDetailOut,
    summary="A suggestion with its replies: the caller's own, one published in their region, "
    "or, for staff, one of their subtree",
)
def get_suggestion(request, suggestion_id: int):
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
    "/suggestions/{suggestion_id}/reply",
    response={201: ReplyOut, 400: Message},
    summary="Staff of the suggestion's unit reply (or add an internal note)",
)
def reply_suggestion(request, suggestion_id: int, payload: ReplyIn):
    suggestion = get_object_or_404(services.staff_queue(request.user), pk=suggestion_id)
    try:
        message = services.reply(suggestion, request.user, payload.text, internal=payload.internal)
    except services.VoiceError as error:
        return _refused(error)
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


class AnswerIn(Schema):
    question: int
    options: list[int] | None = None
    rating: int | None = None
    text: str | None = None


class ResponseIn(Schema):
    answers: list[AnswerIn]


class BarOut(Schema):
    label: str
    count: int
    percent: float


class QuestionResultOut(Schema):
    id: int
    text: str
    type: str
    respondents: int
    bars: list[BarOut]
    average: float | None
    texts: list[str]


class ResultsOut(Schema):
    id: int
    voters: int
    questions: list[QuestionResultOut]


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


@router.get("/polls", response=list[PollOut], summary="The polls open to the caller")
def open_polls(request):
    member = _own(request)
    polls = list(services.open_polls_for(member)[:200])
    voted = services.voted_poll_ids(member, [p.pk for p in polls])
    return [_poll_out(p, p.pk in voted) for p in polls]


@router.get("/polls/{poll_id}", response=PollDetailOut, summary="A poll with its questions")
def get_poll(request, poll_id: int):
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
    "/polls/{poll_id}/responses",
    response={201: Message, 400: Message, 403: Message, 409: Message},
    summary="Answer a poll; a second response is refused with 409",
)
def respond(request, poll_id: int, payload: ResponseIn):
    poll, member = _poll_for(request, poll_id)
    if member is None:
        raise HttpError(404, _("This account has no member record."))
    answers = [a.model_dump(exclude_none=True) for a in payload.answers]
    try:
        services.respond(member, poll, answers)
    except services.AlreadyVoted as error:
        return Status(409, {"detail": error.message})
    except services.PollError as error:
        status = 403 if error.code in ("audience", "closed") else 400
        return Status(status, {"detail": error.message})
    return Status(201, {"detail": _("Thank you: your answers are saved.")})


@router.get(
    "/polls/{poll_id}/results",
    response={200: ResultsOut, 403: Message},
    summary="A poll's results, when the poll shows them to the caller (staff always)",
)
def poll_results(request, poll_id: int):
    poll, member = _poll_for(request, poll_id)
    if not services.may_see_results(request.user, member, poll):
        return Status(403, {"detail": _("The results of this poll are not shown to you now.")})
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
    text: str
    parent: int | None = None


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
    "/modules/{module_id}/comments",
    response=list[CommentOut],
    summary="A module's comments, each thread's replies after it; hidden ones without text "
    "(their author sees the text and the reason)",
)
def module_comments(request, module_id: int):
    from dj_learning.courses.models import ModulePage

    module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
    member = member_for(request.user)
    out = []
    for comment in discussion.thread(module):
        out.append(_comment(comment, member))
        out.extend(_comment(reply, member) for reply in comment.replies.all())
    return out


@router.post(
    "/modules/{module_id}/comments",
    response={201: CommentOut, 400: Message, 429: Message},
    summary="Comment under a module, or reply to a comment (one level)",
)
def create_comment(request, module_id: int, payload: CommentIn):
    from dj_learning.courses.models import ModulePage

    from .models import Comment

    module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
    member = _own(request)
    parent = None
    if payload.parent is not None:
        parent = get_object_or_404(Comment, pk=payload.parent, module=module)
    try:
        comment = discussion.post(member, module, payload.text, parent=parent)
    except services.VoiceError as error:
        return _refused(error)
    return Status(201, _comment(comment, member))
