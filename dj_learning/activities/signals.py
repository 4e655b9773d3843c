"""Signals sent by the activities app.

``checked_in``
    Sent once per member and activity, after the transaction that recorded the
    attendance has committed (a check-in with the code, or attendance marked by
    hand). Points are awarded by the app itself through
    ``rewards.services.award()``; the signal is for what else a site wants to do.

    Arguments:

    - ``sender``: the ``Attendance`` class;
    - ``attendance``: the ``Attendance`` row (``how`` says ``code`` or ``manual``);
    - ``member``: the ``Member``;
    - ``activity``: the ``Activity``.
"""

from django.dispatch import Signal

checked_in = Signal()
