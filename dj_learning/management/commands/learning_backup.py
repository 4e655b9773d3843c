"""Write one backup archive: the database, the media, the private files and a manifest."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dj_learning.management import backup


class Command(BaseCommand):
    help = "Write a backup archive (database, media, private files, manifest) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="backups", help="folder for the archive")
        parser.add_argument(
            "--keep", type=int, default=None, help="keep only the newest N archives there"
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, output, keep, database, **options):
        try:
            path = backup.backup(output, using=database, keep=keep)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("Backup written: %(path)s") % {"path": path})
