"""Bulk download: a unit's certificates as one ZIP of their stored PDFs, built by a
django-q2 job that reports its progress and can be rerun."""

import secrets
import tempfile
import zipfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from dj_learning import jobs

from . import services
from .models import Certificate, CertificateBatch

PROGRESS_EVERY = 20


def request_batch(user, unit, year=None):
    """Queue the job for ``unit``'s subtree (certificates issued in ``year``, or all)."""
    batch = CertificateBatch.objects.create(unit=unit, year=year, requested_by=user)
    transaction.on_commit(
        lambda: jobs.queue("dj_learning.certificates.tasks.build_batch", batch.pk)
    )
    return batch


def certificates_of(batch):
    """The certificates the batch holds: the unit's subtree, in the requester's scope."""
    queryset = services.visible_to(batch.requested_by).filter(
        member__unit__path__startswith=batch.unit.path
    )
    if batch.year:
        queryset = queryset.filter(issued_on__year=batch.year)
    return queryset.order_by("member__unit__path", "number")


def build(batch_id):
    """Write every certificate's stored PDF into the batch's ZIP (rendering any not yet
    rendered). Rerunnable: the ZIP is written whole again; nothing is issued."""
    if not jobs.claim(CertificateBatch, batch_id):
        return None  # a live run holds it (dj_learning.jobs)
    batch = CertificateBatch.objects.select_related("unit", "requested_by").get(pk=batch_id)
    ids = list(certificates_of(batch).values_list("pk", flat=True))
    order = {pk: position for position, pk in enumerate(ids)}
    CertificateBatch.objects.filter(pk=batch.pk).update(total=len(ids), done=0, error="")
    try:
        with tempfile.TemporaryFile() as buffer:
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    for pk in Certificate.objects.filter(pk__in=chunk, pdf="").values_list(
                        "pk", flat=True
                    ):
                        services.render_stored(pk)
                    rows = Certificate.objects.filter(pk__in=chunk).select_related(
                        "member", "member__unit"
                    )
                    for done, certificate in enumerate(
                        sorted(rows, key=lambda c: order[c.pk]), start=start + 1
                    ):
                        name = (
                            f"{certificate.member.unit.name}/{certificate.number}-"
                            f"{certificate.member.name}.pdf"
                        )
                        with certificate.pdf.open("rb") as handle:
                            archive.writestr(name, handle.read())
                        if done % PROGRESS_EVERY == 0 or done == len(ids):
                            CertificateBatch.objects.filter(pk=batch.pk).update(done=done)
            buffer.seek(0)
            batch.refresh_from_db()
            if batch.archive:
                batch.archive.delete(save=False)
            filename = f"certificates-{batch.unit.code}-{secrets.token_urlsafe(8)}.zip"
            batch.archive.save(filename, File(buffer), save=False)
        batch.status = CertificateBatch.Status.DONE
        batch.finished_at = timezone.now()
        batch.save(update_fields=["archive", "status", "finished_at"])
    except Exception as error:
        CertificateBatch.objects.filter(pk=batch.pk).update(
            status=CertificateBatch.Status.FAILED, error=str(error)[:2000]
        )
        raise
    return batch.pk
