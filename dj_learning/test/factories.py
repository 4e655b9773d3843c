"""Factories for tests, here and in host sites.

Plain functions with keyword arguments and sensible defaults, so a test names
only what it is about::

    from dj_learning.test import factories

    region = factories.unit(kind="region")
    branch = factories.unit(parent=region)
    member = factories.member(unit=branch)
"""

import itertools

from django.contrib.auth import get_user_model

from dj_learning.members.services import save_member
from dj_learning.orgs.models import Unit
from dj_learning.orgs.services import grant_role, save_unit

PASSWORD = "Test!pass2026"
_seq = itertools.count(1)


def unit(*, parent=None, kind=None, name=None, code=None, site=None):
    """A unit under ``parent`` (a new root when ``None``)."""
    n = next(_seq)
    if kind is None:
        kind = Unit.Kind.NATIONAL if parent is None else Unit.Kind.BRANCH
    return save_unit(
        code=code or f"unit-{n}",
        name=name or f"单位{n}",
        kind=kind,
        parent=parent,
        site=site,
    )


def user(*, username=None, password=PASSWORD, **fields):
    n = next(_seq)
    return get_user_model().objects.create_user(
        username=username or f"user{n}", password=password, **fields
    )


def member(*, unit=None, user=None, member_number=None, name=None, **fields):
    """A member (and its user account, unless ``user`` is given) in ``unit``."""
    n = next(_seq)
    if unit is None:
        unit = globals()["unit"]()
    if user is None:
        user = globals()["user"]()
    return save_member(
        user,
        member_number=member_number or f"M{n:06d}",
        name=name or f"党员{n}",
        unit=unit,
        **fields,
    )


def staff(*, role, unit, **user_fields):
    """A user holding ``role`` over ``unit`` and its subtree."""
    account = user(**user_fields)
    grant_role(account, unit, role)
    return account
