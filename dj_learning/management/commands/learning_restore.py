"""Restore a backup archive into an empty database and empty storage."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dj_learning.management import backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive: checks it against its manifest first, and refuses a"
        " database or storage that is not empty unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--force", action="store_true", help="restore over a database and files that exist"
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, archive, force, database, **options):
        try:
            manifest = backup.restore(archive, using=database, force=force)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            _("Restored %(rows)s rows in %(tables)s tables and %(files)s files from %(path)s.")
            % {
                "rows": rows,
                "tables": len(manifest["row_counts"]),
                "files": len(manifest["members"]) - 1,
                "path": archive,
            }
        )
