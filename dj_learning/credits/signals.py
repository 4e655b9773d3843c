"""Signals sent by the credits app.

``credits_recorded``
    Sent when credits enter the ledger other than through a module completion
    (those are announced by ``courses.signals.module_completed``): an approved
    offline training (approved in the review flow, or at once by an activity's
    organizer) and a staff adjustment. Sent after the transaction that wrote the
    entry has committed, once per entry. Certificates listen to it: such credits
    can meet the year's study plan.

    Arguments:

    - ``sender``: the ``CreditEntry`` class;
    - ``entry``: the ``CreditEntry`` row (``member_id``, ``year``, ``kind``,
      ``amount``, ``source``: ``offline`` or ``adjustment``).
"""

from django.dispatch import Signal

credits_recorded = Signal()
