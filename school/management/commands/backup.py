import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from school.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (a consistent snapshot) and the media storage into a new folder, with a "
        "manifest of every table's row count and fingerprint. `restore` brings it back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            help="the new folder (default: VAR_DIR/backups/<date and time>)",
        )
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="list the media files in the manifest without copying them (a bucket with its own backup)",
        )

    def handle(self, *args, directory: str | None, no_media: bool, **options):
        if directory is None:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            directory = str(Path(settings.VAR_DIR) / "backups" / stamp)
        try:
            manifest = backup_create(
                directory=Path(directory), media=not no_media, progress=self.stdout.write
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"{directory}: {len(manifest['tables'])} tables, {rows} rows, "
                f"{len(manifest['media']['files'])} media files"
            )
        )
