"""Business rules for member profiles. Views, the API and commands call these."""

from django.core.exceptions import ObjectDoesNotExist

from .models import Member


def member_for(user):
    """The member record of ``user``, or ``None`` for staff without one and anonymous users."""
    if not (user and user.is_authenticated):
        return None
    try:
        return user.learning_member
    except ObjectDoesNotExist:
        return None


def save_member(user, *, member_number, name, unit, **fields):
    """Create or update the member record of ``user`` and return it.

    Keyed on the user, so running it again with the same arguments changes
    nothing. Record changes made by clerks go through review instead (the
    member records issue); this is for setup, imports of trusted data and tests.
    """
    member, _ = Member.objects.update_or_create(
        user=user,
        defaults={"member_number": member_number, "name": name, "unit": unit, **fields},
    )
    return member
