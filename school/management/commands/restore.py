from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from school.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a folder written by `backup` into an empty database and the media storage, check every "
        "table against the backup's manifest, apply newer migrations and rebuild the search index."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a folder written by `manage.py backup`")
        parser.add_argument(
            "--no-search", action="store_true", help="leave the search index alone (rebuild it later)"
        )

    def handle(self, *args, directory: str, no_search: bool, **options):
        try:
            differences = backup_restore(directory=Path(directory), progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if differences:
            for difference in differences:
                self.stderr.write(
                    f"  {difference.table}: expected {difference.expected}, found {difference.found}"
                )
            raise CommandError(
                f"the restored database differs from the backup in {len(differences)} tables (listed above)"
            )
        self.stdout.write("every table matches the backup's row counts and fingerprints")
        call_command("migrate", interactive=False, verbosity=0)
        if not no_search:
            call_command("search_reindex", no_progress=True, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"restored {directory}"))
