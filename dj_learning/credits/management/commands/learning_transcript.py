import contextlib
import csv

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from dj_learning.members.models import Member

from ... import services


class Command(BaseCommand):
    help = "Write a member's yearly transcript as a PDF (issued, with a verification code) or CSV."

    def add_arguments(self, parser):
        parser.add_argument("member", help="Username or member number.")
        parser.add_argument("--year", type=int, help="Study year (this year by default).")
        parser.add_argument("--pdf", metavar="FILE", help="Write the PDF here.")
        parser.add_argument("--csv", metavar="FILE", help="Write a CSV here ('-' for stdout).")

    def handle(self, *args, member, year, pdf, **options):
        found = (
            Member.objects.select_related("unit", "user")
            .filter(Q(member_number=member) | Q(user__username=member))
            .first()
        )
        if found is None:
            raise CommandError(f"No member has the username or member number {member!r}.")
        csv_path = options["csv"]
        if not (pdf or csv_path):
            raise CommandError("Give --pdf FILE or --csv FILE.")
        transcript = services.transcript(found, year)
        if pdf:
            from ...documents import transcript_pdf

            with open(pdf, "wb") as handle:
                handle.write(transcript_pdf(transcript))
            self.stdout.write(f"Wrote {pdf}")
        if csv_path:
            self._csv(transcript, csv_path)

    def _csv(self, transcript, path):
        opened = (
            contextlib.nullcontext(self.stdout)
            if path == "-"
            else open(path, "w", newline="", encoding="utf-8-sig")  # noqa: SIM115 (closed by the with below)
        )
        with opened as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "member_number",
                    "name",
                    "year",
                    "date",
                    "title",
                    "source",
                    "kind",
                    "credits",
                    "reason",
                ]
            )
            member = transcript.member
            for entry in transcript.entries:
                writer.writerow(
                    [
                        member.member_number,
                        member.name,
                        transcript.year,
                        entry.earned_on.isoformat(),
                        entry.title,
                        entry.source,
                        entry.kind,
                        entry.amount,
                        entry.reason,
                    ]
                )
            writer.writerow(
                [
                    member.member_number,
                    member.name,
                    transcript.year,
                    "",
                    "total",
                    "",
                    "",
                    transcript.total,
                    "",
                ]
            )
