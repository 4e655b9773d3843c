"""``manage.py learning_setup``: make this site a region's learning site.

Bare, it asks for what it needs; with ``--region-code`` and ``--region-name``
(and ``--no-input``) it asks nothing. Running it again changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from wagtail.models import Site

from dj_learning.management.setup import setup_region


class Command(BaseCommand):
    help = (
        "Tie a region to a Wagtail site and make its unit, course catalog, this year's "
        "study plan, theme, staff groups and content review workflow. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region-code", help="Short, stable code of the region's unit.")
        parser.add_argument("--region-name", help="The region's name, e.g. 东湖区.")
        parser.add_argument(
            "--national-code", help="Code of the unit above the region (made if missing)."
        )
        parser.add_argument("--national-name", help="Name of the unit above the region.")
        parser.add_argument(
            "--site",
            help="Hostname of the Wagtail site the region's members use (default: the default site).",
        )
        parser.add_argument("--catalog-title", help="Title of the course catalog page.")
        parser.add_argument(
            "--catalog-slug", default="courses", help="Slug of the catalog page (default courses)."
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Ask nothing; fail if --region-code or --region-name is missing.",
        )

    def handle(self, *args, interactive, **options):
        site = self._site(options["site"])
        code = options["region_code"] or self._ask(interactive, _("Region code"), "region_code")
        name = options["region_name"] or self._ask(interactive, _("Region name"), "region_name")
        national_code = options["national_code"]
        if national_code is None and interactive and not options["region_code"]:
            national_code = input(_("Code of the unit above the region (blank for none): ")).strip()
        region, report = setup_region(
            site=site,
            code=code,
            name=name,
            parent_code=national_code or None,
            parent_name=options["national_name"],
            catalog_title=options["catalog_title"],
            catalog_slug=options["catalog_slug"],
        )
        for thing in report.created:
            self.stdout.write("  + " + thing)
        for thing in report.kept:
            self.stdout.write("  = " + thing)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(region)s (%(code)s) is ready on %(site)s: %(made)d made, "
                    "%(kept)d already there."
                )
                % {
                    "region": region.name,
                    "code": region.code,
                    "site": site.hostname,
                    "made": len(report.created),
                    "kept": len(report.kept),
                }
            )
        )

    def _site(self, hostname):
        sites = Site.objects.all()
        site = (
            sites.filter(hostname=hostname).first()
            if hostname
            else sites.filter(is_default_site=True).first()
        )
        if site is None:
            raise CommandError(
                f"No Wagtail site {hostname!r}."
                if hostname
                else "This project has no default Wagtail site."
            )
        return site

    def _ask(self, interactive, prompt, option):
        if not interactive:
            raise CommandError(
                _("--%(option)s is required with --no-input.")
                % {"option": option.replace("_", "-")}
            )
        answer = ""
        while not answer:
            answer = input(prompt + ": ").strip()
        return answer
