"""The quizzes app's embeddable widget (registered in ``apps.QuizzesConfig.ready``)."""

from dj_learning import embed
from dj_learning.members.services import member_for

from . import services


def quizzes_due(request):
    """The signed-in member's quizzes still to pass, closing soonest first."""
    member = member_for(request.user)
    if member is None:
        return {"member": None, "due": []}
    return {"member": member, "due": services.due_for(member, limit=embed.limit(request, 5))}
