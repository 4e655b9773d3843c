"""The credits' seeder: the ledger entry of every seeded completion.

Each entry is what ``credits.services.record_completion`` writes for a
completion: the module's credits of the completion's kind, in its year, earned
on the day it was completed (in the site's time zone).
"""

from django.utils import timezone

from dj_learning.courses.models import ModuleCompletion
from dj_learning.credits.models import CreditEntry

from .bulk import RowWriter, foreign_keys_checked_once


def seed_credits(seeder):
    """A credit entry per completion of the seeded members, read back a batch at a time."""
    entries = RowWriter(
        CreditEntry,
        ["member", "year", "kind", "amount", "source", "title", "earned_on", "completion",
         "reason", "created_at"],
    )  # fmt: skip
    local = timezone.get_current_timezone()
    made = 0
    with foreign_keys_checked_once(CreditEntry):
        for _first, chunk in seeder.members_in_chunks():
            made += entries.write(
                (member, year, kind, credits, CreditEntry.Source.MODULE, title,
                 when.astimezone(local).date(), pk, "", when)
                for pk, member, year, kind, credits, title, when in (
                    ModuleCompletion.objects.filter(member_id__in=chunk)
                    .order_by("member_id", "completed_at", "pk")
                    .values_list("pk", "member_id", "year", "kind", "credits", "module_title",
                                 "completed_at")
                )
            )  # fmt: skip
    seeder.report.add("credit entries", made)
