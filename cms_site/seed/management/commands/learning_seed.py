"""``manage.py learning_seed``: a large, realistic, deterministic data set for benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from cms_site.seed.seeder import Seeder, SeedError


class Command(BaseCommand):
    help = (
        "Write a realistic data set in bulk (org tree, courses, plans, members, study, "
        "completions, credits, and what installed apps add), deterministic from --seed. "
        "For benchmarks and load tests: never on a production database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=1000)
        parser.add_argument("--modules", type=int, default=50, help="Modules per study year.")
        parser.add_argument("--years", type=int, default=2, help="Study years, ending this one.")
        parser.add_argument("--lessons", type=int, default=2, help="Lessons per module.")
        parser.add_argument(
            "--rate",
            type=float,
            default=0.5,
            help="Share of a year's modules each member studies (most are completed).",
        )
        parser.add_argument("--regions", type=int, default=4)
        parser.add_argument("--branch-size", type=int, default=50, help="Members per branch.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--prefix", default="seed", help="Names the data set's units, pages and accounts."
        )

    def handle(self, *args, **options):
        verbose = options["verbosity"] > 0
        seeder = Seeder(
            members=options["members"],
            modules=options["modules"],
            years=options["years"],
            lessons=options["lessons"],
            rate=options["rate"],
            regions=options["regions"],
            branch_size=options["branch_size"],
            seed=options["seed"],
            prefix=options["prefix"],
            log=self.stdout.write if verbose else None,
        )
        try:
            report = seeder.run()
        except SeedError as error:
            raise CommandError(str(error)) from error
        if not verbose:
            return
        width = max(len(label) for label in report.rows)
        self.stdout.write("")
        for label, count in report.rows.items():
            self.stdout.write(f"{label:<{width}}  {count:>12,}")
        self.stdout.write(
            f"{'total':<{width}}  {report.total_rows:>12,}  rows in {report.seconds:.1f} s "
            f"({report.total_rows / max(report.seconds, 1e-9):,.0f} rows/s)"
        )
