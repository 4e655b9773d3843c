"""django-q2 entry points. Thin and idempotent: each calls a service."""

import logging

from dj_learning import jobs

from . import awards, services
from .models import TranscriptAward

logger = logging.getLogger(__name__)


def run_award(award_id):
    """Queued by the admin's "award from transcripts"; safe to run again after a kill."""
    return awards.run(award_id)


def resume_stalled_awards():
    """Scheduled every few minutes: queue again the awards a dead worker left running."""
    return jobs.resume_stalled(TranscriptAward, "dj_learning.rewards.tasks.run_award")


def check_ledger():
    """Scheduled nightly: recompute balances from the ledger and report drift."""
    drifts = services.check_ledger()
    for drift in drifts:
        logger.error(
            "Points ledger drift for member %s: balance %s (ledger %s), lifetime %s (ledger %s)",
            drift.member_id,
            drift.cached_balance,
            drift.ledger_balance,
            drift.cached_lifetime,
            drift.ledger_lifetime,
        )
    return len(drifts)
