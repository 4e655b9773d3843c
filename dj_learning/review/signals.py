"""Signals sent by the review flow.

``request_decided``
    Sent when a request is decided for good at one step: the last level approved
    it (and it was applied), or a reviewer returned it. Sent once per decision,
    after the decision's transaction (receivers that write should still defer
    their work with ``transaction.on_commit``, as ``notifications.notify`` does,
    for a caller that wraps the review in a transaction of its own).

    Arguments:

    - ``sender``: the request's model class (``RecordChange``, ``OfflineTraining``);
    - ``review_request``: the request;
    - ``step``: the ``ReviewStep`` of the decision (its ``decision``, ``actor``, ``comment``);
    - ``applied``: ``True`` when the request was approved and applied, ``False`` when returned.
"""

from django.dispatch import Signal

request_decided = Signal()
