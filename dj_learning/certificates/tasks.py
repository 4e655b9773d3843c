"""django-q2 entry points. Thin and idempotent: each calls a service."""

from dj_learning import jobs

from . import services
from .models import CertificateBatch


def issue_on_completion(completion_id):
    """Queued after a module completion: course and plan rules. Safe to run again."""
    return [c.pk for c in services.issue_on_completion(completion_id)]


def issue_on_plan(member_id, year):
    """Queued after credits other than a completion's (approved training): plan rules."""
    return [c.pk for c in services.issue_on_plan(member_id, year)]


def issue_on_exam(attempt_id):
    """Queued after a passed exam: exam rules. Safe to run again."""
    return [c.pk for c in services.issue_on_exam(attempt_id)]


def render_certificate(certificate_id, force=False):
    """Render and store a certificate's PDF (again only with ``force``)."""
    return services.render_stored(certificate_id, force=force)


def remind_expiring():
    """Scheduled daily: members whose certificates expire soon, once per interval."""
    return services.remind_expiring()


def build_batch(batch_id):
    """Queued by the admin's "certificates as ZIP"; safe to run again."""
    from . import batches

    return batches.build(batch_id)


def resume_stalled_batches():
    """Scheduled every few minutes: queue again the batches a dead worker left running."""
    return jobs.resume_stalled(CertificateBatch, "dj_learning.certificates.tasks.build_batch")
