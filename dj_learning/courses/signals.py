"""Signals sent by the courses app.

``module_completed``
    Sent once per member and module, after the transaction that recorded the
    completion has committed. Points listen to it. (Credits do not: they are
    written inside that transaction, by ``completion.on_complete``.)

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

The quizzes app sends ``quiz_passed`` (``dj_learning.quizzes.signals``).
"""

from django.dispatch import Signal

module_completed = Signal()
lesson_studied = Signal()
