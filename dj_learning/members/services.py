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


def person_name(user):
    """How staff screens name ``user``: "name (username)", from the member record's name,
    else the account's full name; the username alone when neither is known.

    Reads ``user.learning_member``: select it with the user in lists.
    """
    if user is None:
        return ""
    member = member_for(user)
    name = (member.name if member else "") or user.get_full_name()
    username = user.get_username()
    return f"{name} ({username})" if name and name != username else username


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
