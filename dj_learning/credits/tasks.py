"""django-q2 entry points. Thin and idempotent: each calls a service."""

from dj_learning import jobs

from . import batches, reminders, services
from .models import TranscriptBatch


def remind_members_behind():
    """Scheduled daily by ``learning_demo`` (or a site's own schedule)."""
    return reminders.remind_behind()


def build_transcript_batch(batch_id):
    """Queued by the report page's "all transcripts as ZIP"; safe to run again."""
    return batches.build(batch_id)


def backfill_credits():
    """Repairs the ledger if a completion's listener failed; schedule it nightly."""
    return services.backfill_completions()


def resume_stalled_batches():
    """Scheduled every few minutes: queue again the batches a dead worker left running."""
    return jobs.resume_stalled(TranscriptBatch, "dj_learning.credits.tasks.build_transcript_batch")
