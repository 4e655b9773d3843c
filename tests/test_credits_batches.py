"""The bulk transcript job: a unit's PDFs in one ZIP, rerunnable without duplicates."""

import io
import zipfile

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from dj_learning.credits import batches, services
from dj_learning.credits.models import TranscriptBatch, TranscriptDocument
from dj_learning.members.models import Member
from dj_learning.orgs.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(demo_courses, django_user_model):
    return django_user_model.objects.get(username="clerk")


def zip_names(batch):
    batch.refresh_from_db()
    with batch.archive.open("rb") as handle:
        return sorted(zipfile.ZipFile(io.BytesIO(handle.read())).namelist())


def test_the_job_zips_one_pdf_per_member_of_the_unit(clerk, django_capture_on_commit_callbacks):
    unit = Unit.objects.get(code="r1-branch-1")
    with django_capture_on_commit_callbacks(execute=True):
        batch = batches.request_batch(clerk, unit, services.courses.study_year())
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.total) == ("done", 3, 3)
    names = zip_names(batch)
    assert names == [
        "东湖区第一支部/DH0101-刘强.pdf",
        "东湖区第一支部/DH0103-王秀英.pdf",
        "东湖区第一支部/DH0108-张伟.pdf",
    ]


def test_a_rerun_issues_nothing_twice(clerk):
    unit = Unit.objects.get(code="r1-branch-1")
    batch = TranscriptBatch.objects.create(unit=unit, year=2026, requested_by=clerk)
    # The first run was killed after one member: that member already has a document.
    first = Member.objects.get(member_number="DH0101")
    early = services.issue(services.transcript(first, 2026), batch=batch)
    batches.build(batch.pk)
    batches.build(batch.pk)
    documents = TranscriptDocument.objects.filter(batch=batch)
    assert documents.count() == 3
    assert sorted(documents.values_list("member__member_number", flat=True)) == [
        "DH0101",
        "DH0103",
        "DH0108",
    ]
    assert documents.get(member=first).code == early.code
    assert len(zip_names(batch)) == 3


def test_batches_are_downloaded_only_within_scope(clerk, client, django_user_model):
    staff = Group.objects.get_or_create(name="Learning staff")[0]
    staff.permissions.add(Permission.objects.get(codename="access_admin"))
    far_unit = Unit.objects.get(code="r2-branch-1")
    admin = django_user_model.objects.get(username="admin")
    far = TranscriptBatch.objects.create(unit=far_unit, year=2026, requested_by=admin)
    batches.build(far.pk)
    near = TranscriptBatch.objects.create(
        unit=Unit.objects.get(code="r1-branch-1"), year=2026, requested_by=clerk
    )
    batches.build(near.pk)
    client.force_login(clerk)
    assert client.get(f"/admin/learning/report/batches/{near.pk}/").status_code == 200
    assert client.get(f"/admin/learning/report/batches/{far.pk}/").status_code == 404


def test_a_batch_running_elsewhere_is_not_built_twice(clerk):
    unit = Unit.objects.get(code="r1-branch-1")
    batch = TranscriptBatch.objects.create(
        unit=unit,
        year=2026,
        requested_by=clerk,
        status=TranscriptBatch.Status.RUNNING,
        claimed_at=timezone.now(),
    )
    assert batches.build(batch.pk) is None
    assert not TranscriptDocument.objects.filter(batch=batch).exists()
