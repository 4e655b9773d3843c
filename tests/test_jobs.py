"""Every background job is bounded and safe to run twice.

Each django-q2 task (``dj_learning/*/tasks.py``) and each scheduled function is run
twice, here or in the test named in ``TWICE``, and the second run changes nothing.
The cluster settings give every job a timeout, a retry longer than it, and a
bounded number of attempts. Runs with a real cluster and workers killed mid-way
are in tests/test_jobs_cluster.py.
"""

import ast
import importlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from dj_learning import jobs
from dj_learning.courses.services import study_year
from dj_learning.credits.models import CreditEntry, TranscriptBatch, TranscriptDocument
from dj_learning.notifications.models import Notification
from dj_learning.rewards.models import PointEntry, TranscriptAward
from dj_learning.test import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
YEAR = study_year()

#: Task -> the test that runs it twice. Tasks tested in this file name it.
TWICE = {
    "dj_learning.activities.tasks.credit_attendance": "test_activities.py::"
    "test_crediting_twice_gives_nothing_twice_through_review_for_a_clerk",
    "dj_learning.certificates.tasks.issue_on_completion": "test_certificates.py::"
    "test_meeting_the_plan_issues_one_certificate_per_year",
    "dj_learning.certificates.tasks.issue_on_exam": "test_certificates.py::"
    "test_an_exam_passed_with_the_minimum_score_issues_the_certificate",
    "dj_learning.certificates.tasks.render_certificate": "test_certificates.py::"
    "test_the_stored_pdf_stays_byte_identical_after_a_template_edit_until_rerendered",
    "dj_learning.certificates.tasks.issue_on_plan": "test_certificates.py::"
    "test_approved_offline_training_that_meets_the_plan_issues_its_certificate",
    "dj_learning.activities.tasks.remind_tomorrow": "test_notifications_events.py::"
    "test_members_signed_up_are_reminded_the_day_before_once",
    "dj_learning.certificates.tasks.remind_expiring": "test_certificates.py::"
    "test_an_expiry_reminder_goes_once_per_interval",
    "dj_learning.certificates.tasks.build_batch": "test_certificates.py::"
    "test_a_units_certificates_as_one_zip_built_by_a_job",
    "dj_learning.certificates.tasks.resume_stalled_batches": "test_jobs.py::"
    "test_a_certificate_batch_left_running_is_resumed_once",
    "dj_learning.credits.tasks.remind_members_behind": "test_credits_reminders.py::"
    "test_members_behind_are_emailed_once_near_the_years_end",
    "dj_learning.credits.tasks.build_transcript_batch": "test_jobs.py::"
    "test_a_transcript_batch_run_twice_issues_one_transcript_per_member",
    "dj_learning.credits.tasks.backfill_credits": "test_jobs.py::"
    "test_the_backfill_run_twice_credits_once",
    "dj_learning.credits.tasks.resume_stalled_batches": "test_jobs.py::"
    "test_a_transcript_batch_left_running_is_reclaimed_after_the_timeout",
    "dj_learning.notifications.tasks.send_email": "test_jobs.py::"
    "test_an_email_job_run_twice_sends_one_email",
    "dj_learning.quizzes.tasks.close_overdue_attempts": "test_jobs.py::"
    "test_closing_overdue_attempts_twice_grades_once",
    "dj_learning.rewards.tasks.run_award": "test_jobs.py::"
    "test_an_award_run_twice_awards_each_member_once",
    "dj_learning.rewards.tasks.check_ledger": "test_jobs.py::"
    "test_the_ledger_check_run_twice_changes_nothing",
    "dj_learning.rewards.tasks.resume_stalled_awards": "test_jobs.py::"
    "test_an_award_left_running_is_reclaimed_after_the_timeout_and_finished",
    "dj_learning.voice.tasks.poll_opened": "test_jobs.py::"
    "test_a_poll_opened_job_run_twice_notifies_each_member_once",
    "dj_learning.management.backup.scheduled_backup": "test_backup.py::"
    "test_the_nightly_task_backs_up_into_the_backup_folder_and_keeps_the_newest",
}


def task_names():
    """Every function of every app's tasks.py, as django-q2 is given it."""
    names = set()
    for path in sorted((ROOT / "dj_learning").glob("*/tasks.py")):
        module = f"dj_learning.{path.parent.name}.tasks"
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                names.add(f"{module}.{node.name}")
    return names


def scheduled_names():
    """Every function the demo schedules (a site's schedules copy these)."""
    source = (ROOT / "cms_site/demo/management/commands/learning_demo.py").read_text()
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("dj_learning.")
        and node.value.count(".") >= 3
    }


def test_every_task_and_schedule_is_run_twice_by_a_test():
    assert task_names() | scheduled_names() == set(TWICE)
    for func, where in TWICE.items():
        module, name = func.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name)), func
        file, test = where.split("::")
        assert f"def {test}(" in (ROOT / "tests" / file).read_text(), where


@pytest.mark.parametrize(
    "q_cluster",
    [
        pytest.param(lambda: __import__("django.conf").conf.settings.Q_CLUSTER, id="cms_site"),
        pytest.param(
            lambda: __import__("dj_learning.settings").settings.configure({})["Q_CLUSTER"],
            id="configure",
        ),
    ],
)
def test_every_job_has_a_timeout_a_longer_retry_and_bounded_attempts(q_cluster):
    cluster = q_cluster()
    assert cluster["timeout"] > 0
    # A task still running when retry comes round would be handed out a second time.
    assert cluster["retry"] > cluster["timeout"]
    assert 0 < cluster["max_attempts"] <= 5


# -- Members with credits -------------------------------------------------------------------


@pytest.fixture
def school(tree):
    """Three members of branch 1 with credits this year, and an admin of region 1."""
    members = []
    for number, amount in enumerate([5, 3, 1]):
        member = factories.member(unit=tree["b1"], name=f"成员{number}")
        CreditEntry.objects.create(
            member=member,
            year=YEAR,
            kind="required",
            amount=Decimal(amount),
            source="adjustment",
            title="学习",
            reason="测试",
            earned_on=f"{YEAR}-03-01",
        )
        members.append(member)
    return tree, members, factories.staff(role="admin", unit=tree["r1"])


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "PRIVATE_MEDIA_ROOT": str(tmp_path / "p")}


def lapse(model, pk):
    """Move the job's claim back past the timeout: the run that held it is long dead."""
    model.objects.filter(pk=pk).update(
        claimed_at=timezone.now() - timedelta(seconds=jobs.timeout() + 1)
    )


def award_of(tree, admin, points=7):
    return TranscriptAward.objects.create(
        unit=tree["r1"],
        year=YEAR,
        criterion=TranscriptAward.Criterion.MIN_CREDITS,
        min_credits=Decimal(0),
        points=points,
        reason="年度学习标兵",
        requested_by=admin,
    )


# -- Each task twice ------------------------------------------------------------------------


def test_an_award_run_twice_awards_each_member_once(school):
    from dj_learning.rewards import tasks

    tree, members, admin = school
    award = award_of(tree, admin)
    assert tasks.run_award(award.pk) == 3
    # A copy of the task handed out after the award is done finds nothing to do.
    assert tasks.run_award(award.pk) is None
    award.refresh_from_db()
    assert (award.status, award.awarded, award.runs) == ("done", 3, 1)
    assert sorted(PointEntry.objects.filter(award=award).values_list("member", flat=True)) == [
        m.pk for m in members
    ]


def test_an_award_left_running_is_reclaimed_after_the_timeout_and_finished(school):
    from dj_learning.rewards import tasks

    tree, members, admin = school
    award = award_of(tree, admin)
    # Its first run holds it.
    TranscriptAward.objects.filter(pk=award.pk).update(
        status="running", claimed_at=timezone.now(), runs=1
    )
    # A live claim: neither a redelivered job nor the sweeper touches it.
    assert tasks.run_award(award.pk) is None
    assert tasks.resume_stalled_awards() == []
    assert not PointEntry.objects.exists()
    lapse(TranscriptAward, award.pk)
    assert tasks.resume_stalled_awards() == [award.pk]  # queued (and run: Q is sync in tests)
    assert tasks.resume_stalled_awards() == []
    award.refresh_from_db()
    assert (award.status, award.awarded, award.runs) == ("done", 3, 2)
    assert PointEntry.objects.filter(award=award).count() == 3


def test_a_job_whose_every_run_died_is_marked_failed_not_run_again(client, school):
    from dj_learning.rewards import tasks

    tree, members, admin = school
    award = award_of(tree, admin)
    TranscriptAward.objects.filter(pk=award.pk).update(
        status="running", claimed_at=timezone.now(), runs=jobs.max_runs()
    )
    lapse(TranscriptAward, award.pk)
    assert tasks.run_award(award.pk) is None  # a redelivered task gives up too
    with translation.override("en"):
        assert tasks.resume_stalled_awards() == []
    award.refresh_from_db()
    assert award.status == "failed"
    assert award.error == "Stopped after 3 runs that did not finish (the worker died)."
    assert not PointEntry.objects.exists()
    # The admin's "Resume" (a failed award) queues it afresh, its runs counted anew.
    admin.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(admin)
    response = client.post(reverse("learning_points_awards:detail", args=[award.pk]))
    assert response["Location"] == reverse("learning_points_awards:detail", args=[award.pk])
    award.refresh_from_db()
    assert (award.status, award.runs, award.awarded) == ("done", 1, 3)


def test_a_transcript_batch_run_twice_issues_one_transcript_per_member(school):
    from dj_learning.credits import tasks

    tree, members, admin = school
    batch = TranscriptBatch.objects.create(unit=tree["r1"], year=YEAR, requested_by=admin)
    tasks.build_transcript_batch(batch.pk)
    first = set(TranscriptDocument.objects.values_list("code", flat=True))
    archive = TranscriptBatch.objects.get(pk=batch.pk).archive.name
    # A copy of the task the broker hands out after the batch is done does nothing.
    assert tasks.build_transcript_batch(batch.pk) is None
    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.done, batch.runs) == ("done", 3, 3, 1)
    assert batch.archive.name == archive
    # The same three transcripts, none superseded by a second issue.
    assert set(TranscriptDocument.objects.values_list("code", flat=True)) == first
    assert TranscriptDocument.objects.filter(status="valid").count() == 3


def test_a_transcript_batch_left_running_is_reclaimed_after_the_timeout(school):
    from dj_learning.credits import tasks

    tree, members, admin = school
    batch = TranscriptBatch.objects.create(
        unit=tree["r1"], year=YEAR, requested_by=admin, status="running", claimed_at=timezone.now()
    )
    # The dead run had served the first member.
    from dj_learning.credits import services

    served = services.issue(services.transcript(members[0], YEAR), batch=batch)
    assert tasks.build_transcript_batch(batch.pk) is None  # a live claim
    assert tasks.resume_stalled_batches() == []
    lapse(TranscriptBatch, batch.pk)
    assert tasks.resume_stalled_batches() == [batch.pk]
    assert tasks.resume_stalled_batches() == []
    batch.refresh_from_db()
    assert (batch.status, batch.done) == ("done", 3)
    documents = TranscriptDocument.objects.filter(batch=batch)
    assert sorted(documents.values_list("member", flat=True)) == sorted(m.pk for m in members)
    assert documents.filter(pk=served.pk).exists()  # the member served before stays served


def test_a_certificate_batch_left_running_is_resumed_once(school):
    from dj_learning.certificates import tasks
    from dj_learning.certificates.models import CertificateBatch

    tree, members, admin = school
    batch = CertificateBatch.objects.create(
        unit=tree["r1"], requested_by=admin, status="running", claimed_at=timezone.now()
    )
    assert tasks.build_batch(batch.pk) is None
    lapse(CertificateBatch, batch.pk)
    assert tasks.resume_stalled_batches() == [batch.pk]
    assert tasks.resume_stalled_batches() == []
    batch.refresh_from_db()
    assert batch.status == "done" and batch.archive


def test_an_email_job_run_twice_sends_one_email(db):
    from dj_learning.notifications import tasks

    user = factories.user(email="member@example.org")
    notification = Notification.objects.create(user=user, kind="test", title="通知", body="内容")
    assert tasks.send_email(notification.pk) is True
    assert tasks.send_email(notification.pk) is False
    assert [m.to for m in mail.outbox] == [["member@example.org"]]


def test_closing_overdue_attempts_twice_grades_once(db):
    from dj_learning.quizzes import services, tasks

    quiz = factories.quiz(time_limit_minutes=1)
    late = services.start(factories.member(), quiz, now=timezone.now() - timedelta(minutes=5))
    assert tasks.close_overdue_attempts() == 1
    graded_at = type(late).objects.get(pk=late.pk).__dict__.copy()
    assert tasks.close_overdue_attempts() == 0
    again = type(late).objects.get(pk=late.pk).__dict__
    assert again["state"] == "graded"
    assert {k: v for k, v in again.items() if k != "_state"} == {
        k: v for k, v in graded_at.items() if k != "_state"
    }


def test_the_backfill_run_twice_credits_once(db):
    from dj_learning.courses.models import ModuleCompletion
    from dj_learning.credits import tasks

    member = factories.member()
    module = factories.module(credits="2")
    # A completion the ledger missed (its listener failed).
    ModuleCompletion.objects.create(
        member=member,
        module=module,
        module_title=module.title,
        kind="required",
        credits=2,
        year=YEAR,
        completed_at=timezone.now(),
    )
    tasks.backfill_credits()
    tasks.backfill_credits()
    assert list(CreditEntry.objects.values_list("member", "amount")) == [(member.pk, Decimal("2"))]


def test_the_ledger_check_run_twice_changes_nothing(school):
    from dj_learning.rewards import tasks
    from dj_learning.rewards.models import Balance

    tree, members, admin = school
    factories.points(members[0], 30)
    before = list(Balance.objects.values_list("member", "balance", "lifetime"))
    assert tasks.check_ledger() == 0
    assert tasks.check_ledger() == 0
    assert list(Balance.objects.values_list("member", "balance", "lifetime")) == before


def test_a_poll_opened_job_run_twice_notifies_each_member_once(
    tree, django_capture_on_commit_callbacks
):
    from dj_learning.voice import tasks

    members = [factories.member(unit=tree["b1"], name=name) for name in ("甲", "乙")]
    poll = factories.poll(unit=tree["b1"])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.poll_opened(poll.pk)
    got = Notification.objects.filter(url__contains=f"/polls/{poll.pk}/")
    assert sorted(got.values_list("user", flat=True)) == sorted(m.user_id for m in members)
