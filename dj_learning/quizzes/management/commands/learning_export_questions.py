import sys

from django.core.management.base import BaseCommand, CommandError

from ...importing import FORMATS, export_bank
from ...models import QuestionBank


class Command(BaseCommand):
    help = (
        "Export a question bank as GIFT, Excel (.xlsx) or CSV; importing the file into an "
        "empty bank gives the same questions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bank", required=True, help="Name of the question bank.")
        parser.add_argument("--format", choices=FORMATS, default="gift")
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="Write here (default: the bank's name)."
        )

    def handle(self, *args, bank, format, output, **options):
        found = QuestionBank.objects.filter(name=bank).first()
        if found is None:
            raise CommandError(f"No question bank is named {bank!r}.")
        try:
            filename, content, _content_type = export_bank(found, format)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if output == "-":
            sys.stdout.buffer.write(content)
            return
        output = output or filename
        with open(output, "wb") as handle:
            handle.write(content)
        self.stdout.write(f"Wrote {output}")
