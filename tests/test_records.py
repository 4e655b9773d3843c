"""Member records under two-level review: the flow, its refusals, transfers, history, masking."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from dj_learning.courses.models import CourseEnrollment, ModuleCompletion
from dj_learning.members import records
from dj_learning.members.models import Member, RecordChange
from dj_learning.orgs.models import StaffRole
from dj_learning.review import services as review
from dj_learning.review.models import ReviewLevels
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(tree):
    """A clerk and a reviewer of branch 1, a reviewer of region 1, and a member of branch 1."""
    return {
        "clerk": factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"]),
        "branch": factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b1"]),
        "region": factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["r1"]),
        "other_region": factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["r2"]),
        "member": factories.member(
            unit=tree["b1"], name="张伟", phone="13800000000", id_number="110101199011020037"
        ),
    }


def values(member, **changes):
    data = {name: getattr(member, name) for name in Member.record_fields}
    data.update(changes)
    return data


def test_the_full_two_level_flow(people):
    member = people["member"]
    change = records.propose_change(
        people["clerk"], member, values(member, phone="13911112222"), "换了手机号"
    )
    assert (change.status, change.level, change.level_kinds()) == (
        "pending",
        1,
        ["branch", "region"],
    )
    assert change.changes == {"phone": ["13800000000", "13911112222"]}

    review.approve(change, people["branch"], "属实")
    member.refresh_from_db()
    assert member.phone == "13800000000"  # not yet: one level to go
    change.refresh_from_db()
    assert (change.status, change.level) == ("pending", 2)

    review.approve(change, people["region"])
    member.refresh_from_db()
    change.refresh_from_db()
    assert member.phone == "13911112222"
    assert member.responsible_clerk == people["clerk"]
    assert change.status == "applied"
    steps = [(s.decision, s.level, s.actor) for s in change.steps.all()]
    assert steps == [
        ("submit", 1, people["clerk"]),
        ("approve", 1, people["branch"]),
        ("approve", 2, people["region"]),
    ]


def test_rejection_returns_to_the_clerk_and_resubmission_starts_again(people):
    member = people["member"]
    change = records.propose_change(people["clerk"], member, values(member, phone="139"), "")
    with pytest.raises(review.ReviewError, match="Say why"):
        review.reject(change, people["branch"], "  ")
    review.reject(change, people["branch"], "号码位数不对")
    change.refresh_from_db()
    assert change.status == "rejected"
    with pytest.raises(review.ReviewError):
        review.approve(change, people["region"])

    records.resubmit(people["clerk"], change, values(member, phone="13911112222"), "已更正")
    change.refresh_from_db()
    assert (change.status, change.level) == ("pending", 1)
    assert change.changes == {"phone": ["13800000000", "13911112222"]}
    review.approve(change, people["branch"])
    review.approve(change, people["region"])
    member.refresh_from_db()
    assert member.phone == "13911112222"


def test_nobody_approves_their_own_request_or_twice(people, tree):
    member = people["member"]
    both = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b1"])
    from dj_learning.orgs.services import grant_role

    grant_role(both, tree["r1"], StaffRole.Role.REVIEWER)
    grant_role(both, tree["b1"], StaffRole.Role.CLERK)
    own = records.propose_change(both, member, values(member, phone="1"), "")
    with pytest.raises(review.ReviewError, match="you made"):
        review.approve(own, both)

    change = records.propose_change(people["clerk"], member, values(member, phone="2"), "")
    review.approve(change, both)
    with pytest.raises(review.ReviewError, match="another level"):
        review.approve(change, both)
    review.approve(change, people["region"])
    member.refresh_from_db()
    assert member.phone == "2"


def test_reviewers_decide_only_at_their_level_and_in_their_subtree(people):
    member = people["member"]
    change = records.propose_change(people["clerk"], member, values(member, phone="3"), "")
    # Level 1 belongs to the branch: the region reviewer and another region's reviewer wait.
    for outsider in (people["region"], people["other_region"]):
        with pytest.raises(review.ReviewError, match="not a reviewer at this level"):
            review.approve(change, outsider)
    assert review.queue_for(people["region"], RecordChange.objects.all()) == []
    assert review.queue_for(people["branch"], RecordChange.objects.all()) == [change]
    review.approve(change, people["branch"])
    with pytest.raises(review.ReviewError):
        review.approve(change, people["other_region"])


def test_levels_are_configured_per_region(people, tree):
    member = people["member"]
    ReviewLevels.objects.create(region=tree["r1"], levels="branch")
    change = records.propose_change(people["clerk"], member, values(member, phone="4"), "")
    assert change.level_kinds() == ["branch"]
    review.approve(change, people["branch"])
    member.refresh_from_db()
    assert member.phone == "4"

    ReviewLevels.objects.filter(region=tree["r1"]).update(levels="branch,region,national")
    national = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["national"])
    change = records.propose_change(people["clerk"], member, values(member, phone="5"), "")
    review.approve(change, people["branch"])
    review.approve(change, people["region"])
    member.refresh_from_db()
    assert member.phone == "4"
    review.approve(change, national)
    member.refresh_from_db()
    assert member.phone == "5"


def test_a_clerk_cannot_touch_records_outside_their_subtree(people, tree):
    far = factories.member(unit=tree["b2"])
    with pytest.raises(ValidationError, match="outside your units"):
        records.propose_change(people["clerk"], far, values(far, phone="6"), "")
    with pytest.raises(ValidationError):
        records.propose_change(
            people["clerk"],
            None,
            {"member_number": "N1", "name": "新人", "unit": tree["b2"]},
            "",
        )
    assert RecordChange.objects.count() == 0


def test_a_new_record_is_created_only_after_approval(people, tree):
    change = records.propose_change(
        people["clerk"],
        None,
        {
            "member_number": "DH0999",
            "name": "赵新",
            "unit": tree["b1a"],
            "join_date": date(2026, 7, 1),
        },
        "新发展党员",
    )
    assert not Member.objects.filter(member_number="DH0999").exists()
    review.approve(change, people["branch"])
    review.approve(change, people["region"])
    created = Member.objects.get(member_number="DH0999")
    assert (created.name, created.unit, created.join_date) == (
        "赵新",
        tree["b1a"],
        date(2026, 7, 1),
    )
    assert created.user.username == "DH0999" and not created.user.has_usable_password()


def test_a_duplicate_id_number_is_refused_naming_the_record(people, tree):
    member = people["member"]
    other = factories.member(unit=tree["b1"], name="李四", id_number="110101198001010011")
    with pytest.raises(ValidationError) as refused:
        records.propose_change(
            people["clerk"], member, values(member, id_number=other.id_number), ""
        )
    assert "李四" in str(refused.value) and other.member_number in str(refused.value)
    # To someone who may not see that record, the conflict is not named.
    far = factories.member(unit=tree["b2"], name="王五", id_number="110101198001010022")
    with pytest.raises(ValidationError) as hidden:
        records.propose_change(people["clerk"], member, values(member, id_number=far.id_number), "")
    assert "王五" not in str(hidden.value)
    assert "another record" in str(hidden.value)


def test_a_transfer_moves_the_member_and_keeps_what_they_earned(people, tree):
    member = people["member"]
    course = factories.course()
    module = factories.module(course=course)
    CourseEnrollment.objects.create(member=member, course=course)
    ModuleCompletion.objects.create(
        member=member,
        module=module,
        module_title="m",
        kind="required",
        credits=1,
        year=2026,
        completed_at="2026-03-01T10:00:00+08:00",
    )
    change = records.propose_change(
        people["clerk"], member, values(member, unit=tree["b2"]), "工作调动"
    )
    assert change.kind == "transfer"
    assert change.changes["unit"] == [tree["b1"].code, tree["b2"].code]
    review.approve(change, people["branch"])
    review.approve(change, people["region"])
    member.refresh_from_db()
    assert member.unit == tree["b2"]
    assert member.course_enrollments.count() == 1
    assert member.module_completions.count() == 1
    # The plan now comes from the new unit's region.
    factories.plan(unit=tree["r2"], year=2026)
    from dj_learning.courses.services import plan_for

    assert plan_for(member, 2026).unit == tree["r2"]


def test_history_lists_applied_changes_with_requester_and_approvers(people):
    member = people["member"]
    for phone in ("7", "8"):
        change = records.propose_change(people["clerk"], member, values(member, phone=phone), "")
        review.approve(change, people["branch"])
        review.approve(change, people["region"])
        member.refresh_from_db()
    pending = records.propose_change(people["clerk"], member, values(member, phone="9"), "")
    history = records.history(member)
    assert [c.changes["phone"] for c in history] == [["13800000000", "7"], ["7", "8"]]
    assert pending not in history
    assert [s.actor for s in records.approvals(history[0])] == [people["branch"], people["region"]]


def test_id_numbers_are_masked_for_everyone_but_staff_in_scope(people, tree):
    member = people["member"]
    assert records.id_number_for(people["clerk"], member) == "110101199011020037"
    assert records.id_number_for(people["branch"], member) == "110101199011020037"
    assert records.id_number_for(member.user, member) == "110*************37"
    assert records.id_number_for(people["other_region"], member) == "110*************37"


def test_members_request_corrections_through_the_same_review(people):
    member = people["member"]
    with pytest.raises(ValidationError):
        records.request_correction(member, values(member, name="张 伟"), reason="")
    change = records.request_correction(member, values(member, name="张伟伟"), "名字少了一个字")
    assert change.kind == "correction" and change.requested_by == member.user
    with pytest.raises(review.ReviewError):
        review.approve(change, member.user)
    review.approve(change, people["branch"])
    review.approve(change, people["region"])
    member.refresh_from_db()
    assert member.name == "张伟伟"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reviewers_approving_at_once_apply_it_once(tree):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    branch_a = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b1"])
    branch_b = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b1"])
    member = factories.member(unit=tree["b1"], phone="1")
    ReviewLevels.objects.create(region=tree["r1"], levels="branch")
    change = records.propose_change(clerk, member, values(member, phone="2"), "")
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(user):
        try:
            barrier.wait()
            review.approve(change, user)
            outcomes.append("approved")
        except review.ReviewError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(u,)) for u in (branch_a, branch_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "refused"]
    change.refresh_from_db()
    assert change.status == "applied"
    assert change.steps.filter(decision="approve").count() == 1


def test_resubmitting_is_only_for_returned_requests_and_changes_nothing_otherwise(people):
    member = people["member"]
    change = records.propose_change(people["clerk"], member, values(member, phone="10"), "")
    review.approve(change, people["branch"])
    with pytest.raises(review.ReviewError):
        records.resubmit(people["clerk"], change, values(member, phone="99"), "")
    change.refresh_from_db()
    assert change.changes == {"phone": ["13800000000", "10"]}  # what level 1 approved


def test_nobody_approves_a_request_about_themselves(people, tree):
    reviewer = people["branch"]
    own_record = factories.member(unit=tree["b1"], user=reviewer)
    change = records.propose_change(people["clerk"], own_record, values(own_record, phone="1"), "")
    with pytest.raises(review.ReviewError, match="about yourself"):
        review.approve(change, reviewer)


def test_a_stale_request_is_not_applied_over_a_newer_change(people):
    member = people["member"]
    first = records.propose_change(people["clerk"], member, values(member, phone="11"), "")
    second = records.propose_change(people["clerk"], member, values(member, phone="22"), "")
    for change in (first, second):
        review.approve(change, people["branch"])
    review.approve(first, people["region"])
    with pytest.raises(review.ReviewError, match="changed after this request"):
        review.approve(second, people["region"])
    member.refresh_from_db()
    assert member.phone == "11"


def test_a_masked_id_sent_back_unchanged_keeps_the_real_one(people, learning_settings):
    learning_settings(ID_NUMBER_ROLES=("admin",))
    member = people["member"]
    form = records.RecordForm(
        {
            **{k: v for k, v in values(member).items() if v is not None},
            "unit": member.unit_id,
            "id_number": member.masked_id_number,
            "phone": "12",
        },
        instance=Member.objects.get(pk=member.pk),
    )
    assert form.is_valid(), form.errors
    change = records.propose_change(people["clerk"], member, form.cleaned_data, "")
    assert change.changes == {"phone": ["13800000000", "12"]}


def test_the_review_queue_costs_the_same_queries_for_2_and_12_requests(people, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for total in (2, 12):
        RecordChange.objects.all().delete()
        for i in range(total):
            member = factories.member(unit=tree["b1"])
            records.propose_change(people["clerk"], member, values(member, phone=str(i)), "")
        reviewer = type(people["branch"]).objects.get(pk=people["branch"].pk)
        with CaptureQueriesContext(connection) as queries:
            assert len(review.queue_for(reviewer, RecordChange.objects.all())) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
