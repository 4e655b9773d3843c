"""Bulk transcripts: a unit's PDFs in one ZIP, built by a django-q2 job that can be rerun."""

import secrets
import tempfile
import zipfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from dj_learning import jobs

from . import reports, services
from .documents import transcript_pdf
from .models import TranscriptBatch, TranscriptDocument

PROGRESS_EVERY = 10


def request_batch(user, unit, year):
    """Queue the job; returns the batch, whose progress the admin shows."""
    batch = TranscriptBatch.objects.create(unit=unit, year=year, requested_by=user)
    transaction.on_commit(
        lambda: jobs.queue("dj_learning.credits.tasks.build_transcript_batch", batch.pk)
    )
    return batch


def build(batch_id):
    """Render every transcript of the batch into its ZIP.

    Rerunnable, also after a worker died in the middle: a member already issued a
    transcript by this batch keeps it (no second verification code, nothing
    superseded twice); the ZIP is written whole again.
    """
    # Claim the batch: a second worker (a retry racing the first) finds it taken, until
    # the claim of a worker that died lapses (dj_learning.jobs).
    if not jobs.claim(TranscriptBatch, batch_id):
        return None
    batch = TranscriptBatch.objects.select_related("unit", "requested_by").get(pk=batch_id)
    members = list(
        reports.members_with_credits(batch.requested_by, batch.unit, batch.year)
        .select_related("unit")
        .order_by("unit__path", "member_number")
    )
    issued = {d.member_id: d for d in TranscriptDocument.objects.filter(batch=batch)}
    TranscriptBatch.objects.filter(pk=batch.pk).update(total=len(members), done=0, error="")
    try:
        with tempfile.TemporaryFile() as buffer:
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for done, member in enumerate(members, start=1):
                    transcript = services.transcript(member, batch.year)
                    document = issued.get(member.pk)
                    if document is None or document.totals != transcript.totals():
                        # New, or the credits changed since the last run: issue afresh.
                        document = services.issue(transcript, batch=batch)
                    name = f"{member.unit.name}/{member.member_number}-{member.name}.pdf"
                    archive.writestr(name, transcript_pdf(transcript, document=document))
                    if done % PROGRESS_EVERY == 0 or done == len(members):
                        TranscriptBatch.objects.filter(pk=batch.pk).update(done=done)
            buffer.seek(0)
            batch.refresh_from_db()
            if batch.archive:
                batch.archive.delete(save=False)
            # Unguessable, in case the media folder is served publicly.
            filename = f"transcripts-{batch.year}-{secrets.token_urlsafe(16)}.zip"
            batch.archive.save(filename, File(buffer), save=False)
        batch.status = TranscriptBatch.Status.DONE
        batch.finished_at = timezone.now()
        batch.save(update_fields=["archive", "status", "finished_at"])
    except Exception as error:
        TranscriptBatch.objects.filter(pk=batch.pk).update(
            status=TranscriptBatch.Status.FAILED, error=str(error)[:2000]
        )
        raise
    return batch.pk
