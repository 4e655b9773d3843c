"""The access helper: the one place that decides who may see which unit and member."""

import pytest

from dj_learning.orgs import scope
from dj_learning.orgs.models import StaffRole
from dj_learning.orgs.services import grant_role
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


def test_clerk_sees_own_branch_and_its_subtree_only(tree):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    assert scope.can_see_unit(clerk, tree["b1"])
    assert scope.can_see_unit(clerk, tree["b1a"])
    assert not scope.can_see_unit(clerk, tree["r1"])
    assert not scope.can_see_unit(clerk, tree["national"])
    assert not scope.can_see_unit(clerk, tree["b2"])
    assert set(scope.visible_units(clerk)) == {tree["b1"], tree["b1a"]}


def test_clerk_of_region_1_branch_cannot_see_member_of_region_2(tree):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    near = factories.member(unit=tree["b1a"])
    far = factories.member(unit=tree["b2"])
    assert scope.can_see_member(clerk, near)
    assert not scope.can_see_member(clerk, far)
    members = type(near).objects.all()
    assert list(scope.filter_members(clerk, members)) == [near]


def test_region_reviewer_sees_all_branches_of_the_region(tree):
    reviewer = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["r1"])
    assert set(scope.visible_units(reviewer)) == {tree["r1"], tree["b1"], tree["b1a"]}


def test_member_sees_own_record_and_unit_but_not_a_neighbour(tree):
    me = factories.member(unit=tree["b1"])
    neighbour = factories.member(unit=tree["b1"])
    assert scope.can_see_member(me.user, me)
    assert not scope.can_see_member(me.user, neighbour)
    assert scope.can_see_unit(me.user, tree["b1"])
    assert not scope.can_see_unit(me.user, tree["b1a"])
    assert list(scope.filter_members(me.user, type(me).objects.all())) == [me]


def test_roles_argument_narrows_to_staff_rights(tree):
    clerk_member = factories.member(unit=tree["b1"])
    grant_role(clerk_member.user, tree["b1"], StaffRole.Role.CLERK)
    other = factories.member(unit=tree["b1"])
    user = clerk_member.user
    assert scope.can_see_member(user, other, roles=[StaffRole.Role.CLERK])
    assert not scope.can_see_member(user, other, roles=[StaffRole.Role.REVIEWER])
    # Being a member is not a staff role: with roles given, one's own record needs the role too.
    assert not scope.can_see_member(user, clerk_member, roles=[StaffRole.Role.REVIEWER])


def test_superuser_sees_everything(tree):
    admin = factories.user(is_superuser=True)
    far = factories.member(unit=tree["b2"])
    assert scope.can_see_member(admin, far)
    assert scope.visible_units(admin).count() == 6


def test_anonymous_and_inactive_users_see_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    assert not scope.can_see_unit(AnonymousUser(), tree["b1"])
    assert scope.visible_units(AnonymousUser()).count() == 0
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"], is_active=False)
    assert not scope.can_see_unit(clerk, tree["b1"])


def test_roles_are_read_once_per_user(tree, django_assert_num_queries):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    clerk = type(clerk).objects.get(pk=clerk.pk)
    # One query for the roles, one for the user's own member record, whatever the number of units.
    with django_assert_num_queries(2):
        for unit in tree.values():
            scope.can_see_unit(clerk, unit)


def test_overlapping_roles_build_the_smallest_filter(tree):
    user = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    grant_role(user, tree["r1"], StaffRole.Role.REVIEWER)
    assert scope.scope_paths(user) == [tree["r1"].path]
