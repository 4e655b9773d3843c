from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...formats import FormatError
from ...importing import import_questions


class Command(BaseCommand):
    help = (
        "Import questions from a GIFT (.gift, .txt), Excel (.xlsx) or CSV file into a bank "
        "(created when missing). All or nothing: a broken question names its line or row "
        "and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The question file.")
        parser.add_argument("--bank", required=True, help="Name of the question bank.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report, write nothing."
        )

    def handle(self, *args, file, bank, dry_run, **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            report = import_questions(path.name, content, bank_name=bank, dry_run=dry_run)
        except FormatError as error:
            raise CommandError(f"{file}: {error}") from None
        for warning in report.warnings:
            self.stderr.write(f"{file}: {warning}")
        verb = "Would import" if dry_run else "Imported"
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.kinds.items()))
        bank_note = " (new bank)" if report.bank_created else ""
        self.stdout.write(
            f"{verb} {report.created} questions ({kinds}) into “{report.bank}”{bank_note}."
        )
        if report.categories_created:
            verb = "would create" if dry_run else "created"
            self.stdout.write(f"Categories {verb}: {', '.join(report.categories_created)}.")
