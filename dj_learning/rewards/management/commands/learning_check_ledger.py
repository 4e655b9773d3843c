from django.core.management.base import BaseCommand, CommandError

from dj_learning.rewards import services


class Command(BaseCommand):
    help = (
        "Recompute every member's points balance from the ledger and report where the "
        "cached balance drifted. Exits with an error when it finds drift."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Set the cached balances to the ledger's numbers (the ledger is not changed).",
        )

    def handle(self, *args, repair, **options):
        drifts = services.check_ledger(repair=repair)
        for d in drifts:
            self.stdout.write(
                f"member {d.member_id}: balance {d.cached_balance} ≠ ledger {d.ledger_balance}, "
                f"lifetime {d.cached_lifetime} ≠ ledger {d.ledger_lifetime}"
            )
        if not drifts:
            self.stdout.write(self.style.SUCCESS("The points ledger and the balances agree."))
            return
        if repair:
            self.stdout.write(self.style.WARNING(f"Repaired {len(drifts)} balance(s)."))
            return
        raise CommandError(f"{len(drifts)} balance(s) differ from the ledger.")
