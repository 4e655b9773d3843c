"""django-q2 entry points. Thin and idempotent: each calls a service."""

from . import services


def close_overdue_attempts():
    """Closes and grades attempts whose time ran out; schedule it every minute or few.

    Attempts also close themselves when their member next opens them, so a
    site without a job cluster loses nothing but the timeliness of results.
    """
    return services.close_overdue()
