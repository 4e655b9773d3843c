"""The marking queue in the Wagtail admin: hand-marked answers, scoped to the marker's subtree."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import grading, services

MARK_PERMISSION = "learning_quizzes.mark_attempt"


def _queue(request):
    if not request.user.has_perm(MARK_PERMISSION):
        raise PermissionDenied
    return services.marking_queue(request.user)


def marking_queue(request):
    page = Paginator(_queue(request), 20).get_page(request.GET.get("p"))
    items = []
    for answer in page:
        snapshot = next(
            (q for q in answer.attempt.questions if q["position"] == answer.position), {}
        )
        items.append(
            {
                "answer": answer,
                "text": snapshot.get("text", ""),
                "guide": (snapshot.get("data") or {}).get("guide", ""),
                "explanation": snapshot.get("explanation", ""),
            }
        )
    return render(
        request,
        "dj_learning/quizzes/admin/marking_queue.html",
        {"title": _("Marking"), "items": items, "page_obj": page, "cent": grading.CENT},
    )


@require_POST
def mark(request, answer_id):
    answer = get_object_or_404(_queue(request), pk=answer_id)
    try:
        attempt = services.mark(
            answer.pk,
            score=request.POST.get("score", "").strip(),
            comment=request.POST.get("comment", "").strip(),
            marker=request.user,
        )
    except services.QuizError as error:
        messages.error(request, str(error))
    else:
        if attempt.state == "graded":
            messages.success(
                request,
                _("Marked. The attempt of %(member)s is graded: %(score)s / %(max)s.")
                % {"member": attempt.member.name, "score": attempt.score, "max": attempt.max_score},
            )
        else:
            messages.success(request, _("Marked."))
    return redirect("learning_marking")
