"""Signals sent by the quizzes app.

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

quiz_passed = Signal()
