"""The two extension points of a module's completion, filled by the apps above ``courses``.

``requirements``
    What a module needs, besides its lessons and prerequisites, before it
    counts as complete. Each entry is ``requirement(member, module) -> bool``
    and every one must hold. The quizzes app registers "the module's quiz is
    passed" from its ``ready()``::

        from dj_learning.courses import completion

        completion.requirements.register("quizzes.quiz_passed", services.module_quiz_passed)

    A requirement may carry a ``describe(member, module)`` attribute returning
    what the member still has to do, as a list of messages (safe HTML allowed,
    a link to the quiz for example); the module page shows them. Whoever makes
    a requirement true later (a quiz graded) calls
    ``dj_learning.courses.services.try_complete(member, module)`` again.

``on_complete``
    What must be written together with a completion. Each entry is
    ``hook(completion) -> None``, called inside the transaction that records
    the ``ModuleCompletion``: if a hook raises, the completion and everything
    the hooks wrote are rolled back, so either all of it exists or none of it.
    The credits app registers its ledger entry here. Hooks run in the
    transaction, so they stay short and touch only the database; what may lag
    (points, notices, mail) listens to ``module_completed`` instead, which is
    sent after commit.

Both are :class:`dj_learning.registry.Registry` instances: entries are named,
registering a name again replaces it.
"""

from dj_learning.registry import Registry

requirements = Registry("completion requirements")
on_complete = Registry("completion hooks")


def requirements_met(member, module):
    return all(requirement(member, module) for requirement in requirements)


def unmet(member, module):
    """Messages for the requirements not met: each one's ``describe``, else ``None``."""
    messages = []
    for requirement in requirements:
        if not requirement(member, module):
            describe = getattr(requirement, "describe", None)
            messages.extend(describe(member, module) if describe else [None])
    return messages


def completed(completion):
    """Run every ``on_complete`` hook on a new completion (inside its transaction)."""
    for hook in on_complete:
        hook(completion)
