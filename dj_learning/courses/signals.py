"""Signals sent by the courses app.

``module_completed``
    Sent once per member and module, after the transaction that recorded the
    completion has committed. Credits and points listen to it.

    Arguments:

    - ``sender``: the ``ModuleCompletion`` class;
    - ``completion``: the ``ModuleCompletion`` row (``credits``, ``kind``,
      ``year`` and ``completed_at`` are copied from the module at completion,
      so later edits of the module do not change them);
    - ``member``: the ``Member``;
    - ``module``: the module page (specific).

``lesson_studied``
    Sent once per member and lesson when the lesson's minimum study time is
    reached. Arguments: ``sender`` (the ``LessonProgress`` class),
    ``progress`` (the row), ``member``, ``module``.

``quiz_passed``
    Sent once per graded attempt that passes, after the transaction that
    graded it has committed (a quiz with hand-marked questions passes when the
    last one is marked). Points listen to it. Arguments:

    - ``sender``: the attempt class;
    - ``attempt``: the graded attempt;
    - ``member``: the ``Member``;
    - ``quiz``: the quiz the attempt belongs to;
    - ``module``: the module page the quiz is attached to, or ``None`` for a
      standalone exam;
    - ``score`` and ``max_score``: ``Decimal`` points;
    - ``full_marks``: ``score == max_score``.
"""

from django.dispatch import Signal

module_completed = Signal()
lesson_studied = Signal()
quiz_passed = Signal()
