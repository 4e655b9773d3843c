"""django-q2 entry points. Thin and idempotent: each calls a service."""

from . import batches, reminders, services


def remind_members_behind():
    """Scheduled daily by ``learning_demo`` (or a site's own schedule)."""
    return reminders.remind_behind()


def build_transcript_batch(batch_id):
    """Queued by the report page's "all transcripts as ZIP"; safe to run again."""
    return batches.build(batch_id)


def backfill_credits():
    """Repairs the ledger if a completion's listener failed; schedule it nightly."""
    return services.backfill_completions()
