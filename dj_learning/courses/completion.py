"""What a module needs, besides its lessons, before it counts as complete.

Apps above ``courses`` add requirements here instead of being imported by it.
The quizzes app, for example, registers "the module's quiz is passed"::

    from dj_learning.courses import completion

    def quiz_passed(member, module):
        ...
        return True

    completion.register(quiz_passed)

A requirement takes a member and a module page and returns True when it is
met. It may carry a ``describe(member, module)`` attribute returning what the
member still has to do, as a list of messages (safe HTML allowed, a link to
the quiz for example); the module page shows them. Every registered
requirement must hold for the module to complete.
Whoever makes a requirement true later (a quiz graded) calls
``dj_learning.courses.services.try_complete(member, module)`` again.
"""

_requirements = []


def register(requirement):
    """Add ``requirement(member, module) -> bool``. Usable as a decorator."""
    if requirement not in _requirements:
        _requirements.append(requirement)
    return requirement


def unregister(requirement):
    if requirement in _requirements:
        _requirements.remove(requirement)


def requirements_met(member, module):
    return all(requirement(member, module) for requirement in _requirements)


def unmet(member, module):
    """Messages for the requirements not met: each one's ``describe``, else ``None``."""
    messages = []
    for requirement in _requirements:
        if not requirement(member, module):
            describe = getattr(requirement, "describe", None)
            messages.extend(describe(member, module) if describe else [None])
    return messages
