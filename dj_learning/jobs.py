"""Long background jobs that survive a worker dying: claiming a job's row, and reclaiming it.

A long job (a transcript batch, an award from transcripts, a certificate batch) is
a row with a ``status`` and a ``claimed_at``. It is queued with a timeout of its
own, ``LONG_JOB_TIMEOUT`` (a region's year-end batch runs for an hour and more,
far past the cluster's ``timeout`` for everything else). A run *claims* the row with one
conditional ``UPDATE``, so of two workers handed the same job (django-q2
redelivering it while the first still runs) only one goes on. A worker killed in
the middle leaves the row RUNNING: its claim *lapses* once it is older than that
timeout, the longest a run may last (django-q2 stops a job at its timeout, so no
live run holds a claim that old). A later run then claims it again and resumes:
every job records what it served member by member, so members already served are
skipped. That later run is the task handed out again by the ORM broker (after the
cluster's ``retry``, once the claim has lapsed) or queued by the sweeper,
:func:`resume_stalled`, scheduled every few minutes; a delivery that finds a live
claim does nothing.

A job has a bounded number of runs, the cluster's ``max_attempts``: django-q2
counts runs that raise, but not those whose worker was killed (it records no
result for them), so the claim counts its runs too, and a job whose every run
died is marked failed rather than started again for ever.

The claim holds the time it was taken, not a heartbeat: no run outlives its
timeout, so a claim older than the timeout is a dead run's.
"""

from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dj_learning.conf import settings


def timeout():
    """Seconds a long job may run (``LONG_JOB_TIMEOUT``)."""
    return settings.LONG_JOB_TIMEOUT


def queue(func, *args):
    """Queue the long job ``func(*args)`` with its own timeout."""
    from django_q.tasks import async_task

    return async_task(func, *args, q_options={"timeout": timeout()})


def lapsed_before():
    """The time before which a RUNNING job's claim has lapsed."""
    return timezone.now() - timedelta(seconds=timeout())


def max_runs():
    """How many runs a job gets: the cluster's ``max_attempts`` (3 if it sets none)."""
    from django_q.conf import Conf

    return Conf.MAX_ATTEMPTS or 3


def stalled(model):
    """The jobs of ``model`` left RUNNING by a run that died (their claim has lapsed)."""
    return model.objects.filter(
        Q(claimed_at__lt=lapsed_before()) | Q(claimed_at__isnull=True),
        status=model.Status.RUNNING,
    )


def claim(model, pk):
    """Claim the job ``pk`` of ``model`` for this run; ``False`` if a live run holds it,
    or if it has had its :func:`max_runs` and none of them finished.

    A queued job starts its first run, a failed one (whose run raised: django-q2
    hands the task out again) and a stalled one their next. A finished job is never
    started again: the ORM broker may still hold copies of its task (it hands out a
    task again every ``retry`` seconds until one run of it ends, and a long job runs
    past that), and such a copy must find nothing to do. Starting a finished job
    again is a new job (the award screen's "Resume" queues it afresh).
    """
    now = timezone.now()
    if model.objects.filter(
        pk=pk, status__in=(model.Status.QUEUED, model.Status.FAILED), runs__lt=max_runs()
    ).update(status=model.Status.RUNNING, claimed_at=now, runs=F("runs") + 1):
        return True
    return bool(
        stalled(model).filter(pk=pk, runs__lt=max_runs()).update(claimed_at=now, runs=F("runs") + 1)
    )


def resume_stalled(model, func):
    """Queue ``func`` again for every job of ``model`` a dead worker left RUNNING; a job
    whose runs all died is marked failed instead. Returns the ids queued.

    For the scheduled sweeper: with the Redis broker a task handed to a worker that
    dies is gone (Redis does not redeliver), so nothing else would finish the job.
    """
    given_up = stalled(model).filter(runs__gte=max_runs())
    given_up.update(
        status=model.Status.FAILED,
        error=_("Stopped after %(runs)s runs that did not finish (the worker died).")
        % {"runs": max_runs()},
    )
    ids = list(stalled(model).values_list("pk", flat=True))
    for pk in ids:
        queue(func, pk)
    return ids
