from django.core.management.base import BaseCommand

from ... import services


class Command(BaseCommand):
    help = "Write the credits of module completions the ledger missed. Safe to run any time."

    def handle(self, *args, **options):
        written = services.backfill_completions()
        self.stdout.write(f"{written} credit entries written.")
