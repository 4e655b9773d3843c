"""The credit ledger: module credits once, offline training through review, adjustments,
the transcript, and verification of issued transcripts."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dj_learning.courses import services as courses
from dj_learning.courses.models import ModuleCompletion
from dj_learning.credits import services
from dj_learning.credits.models import CreditEntry, OfflineTraining
from dj_learning.orgs.models import StaffRole
from dj_learning.review import services as review
from dj_learning.test import factories

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def member(tree):
    return factories.member(unit=tree["b1"], name="张伟")


def complete(member, module, when=None):
    """Complete ``module`` as the study rules would, and run the commit hooks."""
    record = ModuleCompletion.objects.create(
        member=member,
        module=module,
        module_title=module.title,
        course_title="",
        kind=module.kind,
        credits=module.credits,
        year=courses.study_year(when or datetime(2026, 5, 1, tzinfo=SHANGHAI)),
        completed_at=when or datetime(2026, 5, 1, 10, tzinfo=SHANGHAI),
    )
    services.record_completion(record)
    return record


def test_completing_a_module_writes_its_credits_once(member, django_capture_on_commit_callbacks):
    module = factories.module(credits="1.5")
    factories.plan(unit=member.unit, modules=[module])
    factories.studied(member, module, seconds=999)
    with django_capture_on_commit_callbacks(execute=True):
        completion = courses.try_complete(member, module)
    entry = CreditEntry.objects.get()
    assert (entry.amount, entry.kind, entry.source, entry.completion) == (
        Decimal("1.5"),
        "required",
        "module",
        completion,
    )
    services.record_completion(completion)  # heard twice: still once
    assert CreditEntry.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditEntry.objects.create(
            member=member,
            year=2026,
            kind="required",
            amount=1,
            source="module",
            completion=completion,
            title="x",
            earned_on=date(2026, 5, 1),
        )


def test_offline_training_counts_once_the_branch_approves(member, tree):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    branch = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b1"])
    training = services.propose_training(
        clerk,
        member,
        title="党课：学习二十大精神",
        date=date(2026, 6, 1),
        hours=Decimal("3"),
        kind="elective",
        reason="支部党课",
    )
    assert training.level_kinds() == ["branch"]
    assert services.transcript(member, 2026).elective_earned == 0
    review.approve(training, branch)
    training.refresh_from_db()
    assert training.status == OfflineTraining.Status.APPLIED
    result = services.transcript(member, 2026)
    assert result.elective_earned == Decimal("3")
    assert [e.title for e in result.trainings] == ["党课：学习二十大精神"]


def test_offline_training_outside_the_clerks_units_is_refused(member, tree):
    far_clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b2"])
    with pytest.raises(review.ReviewError):
        services.propose_training(
            far_clerk, member, title="x", date=date(2026, 6, 1), hours=Decimal("1"), kind="required"
        )


def test_adjustments_are_new_entries_with_a_reason(member, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", password="x")
    module = factories.module(credits="2")
    complete(member, module)
    with pytest.raises(ValueError):
        services.adjust(
            member, year=2026, kind="required", amount=Decimal("-1"), reason=" ", by=admin
        )
    services.adjust(
        member,
        year=2026,
        kind="required",
        amount=Decimal("-0.5"),
        reason="重复计入，扣回",
        by=admin,
    )
    result = services.transcript(member, 2026)
    assert result.required_earned == Decimal("1.5")
    assert [e.amount for e in result.entries] == [Decimal("2"), Decimal("-0.5")]
    assert CreditEntry.objects.filter(source="module").get().amount == Decimal("2")  # untouched


def test_plan_status_at_the_year_boundary(member, tree):
    factories.plan(unit=tree["r1"], year=2025, required_credits="1")
    factories.plan(unit=tree["r1"], year=2026, required_credits="1")
    module = factories.module(credits="1")
    # 2026-01-01 00:30 in Shanghai is still 2025-12-31 in UTC: it counts for 2026.
    complete(member, module, when=datetime(2025, 12, 31, 16, 30, tzinfo=ZoneInfo("UTC")))
    assert services.transcript(member, 2026).met
    assert not services.transcript(member, 2025).met


def test_a_year_without_a_plan_still_has_a_transcript(member):
    complete(member, factories.module(credits="1"))
    result = services.transcript(member, 2026)
    assert not result.has_plan and not result.met
    assert result.total == Decimal("1")
    assert result.status_label == "No study plan this year"


def _member_with_entries(unit, modules, adjustments=0):
    member = factories.member(unit=unit)
    course = factories.course()
    pages = [factories.module(course=course, revision=False) for _ in range(modules)]
    completions = ModuleCompletion.objects.bulk_create(
        ModuleCompletion(
            member=member,
            module=m,
            module_title=m.title,
            kind="required",
            credits=1,
            year=2026,
            completed_at=datetime(2026, 5, 1, tzinfo=SHANGHAI),
        )
        for m in pages
    )
    CreditEntry.objects.bulk_create(
        [
            CreditEntry(
                member=member,
                year=2026,
                kind="required",
                amount=1,
                source="module",
                title=c.module_title,
                earned_on=date(2026, 5, 1),
                completion=c,
            )
            for c in completions
        ]
        + [
            CreditEntry(
                member=member,
                year=2026,
                kind="elective",
                amount=1,
                source="adjustment",
                title="补录",
                reason="线下学习补录",
                earned_on=date(2026, 5, 2),
            )
            for _ in range(adjustments)
        ]
    )
    return member


def test_the_transcript_costs_the_same_queries_for_5_and_500_entries(tree):
    counts = []
    for member in (
        _member_with_entries(tree["b1"], 5),
        _member_with_entries(tree["b1"], 20, adjustments=480),
    ):
        with CaptureQueriesContext(connection) as queries:
            result = services.transcript(member, 2026)
        counts.append((len(result.entries), len(queries)))
    assert [n for n, _q in counts] == [5, 500]
    # The ledger, the plan, and one query per registered section (quizzes, points,
    # volunteer service).
    assert counts[0][1] == counts[1][1] <= 5


# -- Issued transcripts and verification ---------------------------------------------------


def test_verification_of_genuine_superseded_revoked_and_unknown(member, client):
    complete(member, factories.module(credits="2"))
    first = services.issue(services.transcript(member, 2026))
    second = services.issue(services.transcript(member, 2026))
    first.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "valid")
    assert len(second.code) >= 32  # 192 random bits

    genuine = client.get(f"/verify/{second.code}/", HTTP_ACCEPT_LANGUAGE="en")
    html = genuine.content.decode()
    assert genuine.status_code == 200
    assert "Genuine" in html and "张伟" in html and "2026" in html
    assert member.member_number not in html and member.unit.name not in html  # nothing else
    assert (
        "superseded"
        in client.get(f"/verify/{first.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    services.revoke(second)
    assert (
        "Revoked"
        in client.get(f"/verify/{second.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    unknown = client.get("/verify/not-a-real-code/", HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 404 and "No transcript has this code" in unknown.content.decode()


def test_verification_is_rate_limited(client, learning_settings, db):
    learning_settings(VERIFY_RATE_PER_MINUTE=3)
    statuses = [client.get("/verify/nope/").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_transcript_routes_are_scoped(demo, client):
    from dj_learning.members.models import Member

    near = Member.objects.get(member_number="DH0108")
    far = Member.objects.get(member_number="XS0205")
    client.login(username="member", password="Demo!pass2026")
    assert client.get("/learning/transcript/").status_code == 200
    assert client.get(f"/learning/members/{far.pk}/transcript/").status_code == 404
    assert client.get(f"/learning/members/{near.pk + 1000}/transcript/pdf/").status_code == 404
    client.login(username="clerk", password="Demo!pass2026")
    assert client.get(f"/learning/members/{near.pk}/transcript/").status_code == 200
    assert client.get(f"/learning/members/{far.pk}/transcript/").status_code == 404
    assert client.get(f"/learning/members/{far.pk}/transcript/pdf/").status_code == 404
    client.logout()
    assert client.get("/learning/transcript/").status_code == 302


def test_offline_training_through_the_screens(demo, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dj_learning.members.models import Member

    near = Member.objects.get(member_number="DH0108")
    far = Member.objects.get(member_number="XS0205")
    client.login(username="clerk", password="Demo!pass2026")
    record = client.get(f"/admin/learning/records/{near.pk}/").content.decode()
    assert f'href="/admin/learning/training/new/{near.pk}/"' in record
    assert client.get(f"/admin/learning/training/new/{far.pk}/").status_code == 404
    form = {"title": "七一专题党课", "date": "2026-07-01", "hours": "2", "kind": "elective"}
    bad = client.post(
        f"/admin/learning/training/new/{near.pk}/",
        {**form, "attachment": SimpleUploadedFile("proof.exe", b"MZ")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = bad.content.decode()
    assert bad.status_code == 200 and "七一专题党课" in html and "does not match" in html
    good = client.post(
        f"/admin/learning/training/new/{near.pk}/",
        {**form, "attachment": SimpleUploadedFile("proof.pdf", b"%PDF-1.4 proof\n%%EOF\n")},
    )
    assert good.status_code == 302
    training = OfflineTraining.objects.get()
    assert services.transcript(near, 2026).elective_earned == 0  # not before approval

    client.login(username="reviewer", password="Demo!pass2026")
    assert "七一专题党课" in client.get("/admin/learning/training/").content.decode()
    assert client.get(f"/admin/learning/training/{training.pk}/proof/").status_code == 200
    client.post(f"/admin/learning/training/{training.pk}/decide/", {"decision": "approve"})
    assert services.transcript(near, 2026).elective_earned == Decimal("2")
    from wagtail.log_actions import registry

    logged = registry.get_logs_for_instance(training).order_by("timestamp")
    assert [(e.action, e.user.username) for e in logged] == [
        ("wagtail.create", "clerk"),
        ("learning_credits.approve_training", "reviewer"),
    ]


def test_the_credits_are_written_with_the_completion_before_it_commits(
    member, django_capture_on_commit_callbacks
):
    module = factories.module(credits="2")
    factories.plan(unit=member.unit, modules=[module])
    factories.studied(member, module, seconds=999)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        completion = courses.try_complete(member, module)
        # No commit hook (module_completed, points) has run yet: the credits are there.
        assert CreditEntry.objects.get().completion == completion
        assert services.transcript(member, completion.year).required_earned == Decimal("2")
    assert len(callbacks) == 1  # module_completed still waits for the commit


def test_a_failing_completion_hook_leaves_neither_the_completion_nor_its_credits(
    member, client, django_capture_on_commit_callbacks
):
    from dj_learning.courses import completion as completion_hooks

    module = factories.module(credits="2")
    factories.plan(unit=member.unit, modules=[module])
    factories.studied(member, module, seconds=999)
    written = []

    def fail(completion):
        written.append(CreditEntry.objects.filter(completion=completion).exists())
        raise RuntimeError("the disk is full")

    with (
        completion_hooks.on_complete.registered("tests.fail", fail),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        courses.try_complete(member, module)
    assert written == [True]  # the ledger's hook ran first, in the same transaction
    assert not ModuleCompletion.objects.exists()
    assert not CreditEntry.objects.exists()
    assert callbacks == []  # nothing to announce
    assert services.transcript(member, courses.study_year()).required_earned == 0

    # Once nothing fails, the next try records both: the member opening the module does.
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(module.url).content.decode()
    completion = ModuleCompletion.objects.get()
    assert CreditEntry.objects.get().completion == completion
    assert services.transcript(member, completion.year).required_earned == Decimal("2")
    assert 'data-testid="module-complete">' in page  # shown, not hidden


def test_completions_the_ledger_missed_are_backfilled_once(member):
    from django.core.management import call_command

    module = factories.module(credits="1")
    ModuleCompletion.objects.create(
        member=member,
        module=module,
        module_title=module.title,
        kind="required",
        credits=1,
        year=2026,
        completed_at=datetime(2026, 5, 1, tzinfo=SHANGHAI),
    )  # written around try_complete (data from before credits moved into its transaction)
    assert CreditEntry.objects.count() == 0
    call_command("learning_backfill_credits", stdout=io.StringIO())
    call_command("learning_backfill_credits", stdout=io.StringIO())
    assert CreditEntry.objects.get().title == module.title


def test_offline_training_list_and_export_stay_in_the_staffs_units(client, tree):
    from django.contrib.auth.models import Permission
    from openpyxl import load_workbook

    for unit, name, title in (("b1", "王芳", "本区党课"), ("b2", "李强", "他区党课")):
        services.propose_training(
            factories.staff(role=StaffRole.Role.CLERK, unit=tree[unit]),
            factories.member(unit=tree[unit], name=name),
            title=title,
            date=date(2026, 6, 1),
            hours=Decimal("2"),
            kind="elective",
        )
    theirs = OfflineTraining.objects.get(title="他区党课")
    reviewer = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["r1"])
    reviewer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(reviewer)
    page = client.get("/admin/learning/training/").content.decode()
    assert "本区党课" in page and "王芳" in page and "他区党课" not in page
    csv = b"".join(client.get("/admin/learning/training/?export=csv").streaming_content)
    assert "本区党课" in csv.decode() and "他区党课" not in csv.decode()
    xlsx = b"".join(client.get("/admin/learning/training/?export=xlsx").streaming_content)
    cells = [c for row in load_workbook(io.BytesIO(xlsx)).active.values for c in row]
    assert "本区党课" in cells and "他区党课" not in cells
    assert client.get(f"/admin/learning/training/{theirs.pk}/proof/").status_code == 404
    decide = client.post(f"/admin/learning/training/{theirs.pk}/decide/", {"decision": "approve"})
    assert decide.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OfflineTraining.Status.PENDING
