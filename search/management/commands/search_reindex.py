import sys
import time

from django.core.management.base import BaseCommand, CommandError

from search.backends import get_backend
from search.backends.base import SearchUnavailable
from search.registry import all_types, get_type
from search.services import BATCH_SIZE, search_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database, type by type, in batches. The old records keep "
        "answering queries until each type is done (Elasticsearch switches an alias). --resume continues "
        "an interrupted rebuild after its last batch."
    )

    def add_arguments(self, parser):
        parser.add_argument("types", nargs="*", help="types to rebuild (default: all): course, lesson, …")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--resume", action="store_true", help="continue an interrupted rebuild")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs, cron)")

    def handle(self, *args, types: list[str], batch_size: int, resume: bool, no_progress: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        chosen = []
        for name in types or [t.name for t in all_types()]:
            search_type = get_type(name)
            if search_type is None:
                known = ", ".join(t.name for t in all_types())
                raise CommandError(f"unknown type {name!r}; known types: {known}")
            chosen.append(search_type)
        for search_type in chosen:
            self.stdout.write(f"{search_type.name} ({search_type.label})")
            bar = ProgressBar(self.stdout, enabled=not no_progress)
            try:
                report = search_rebuild(
                    search_type=search_type, batch_size=batch_size, resume=resume, progress=bar.update
                )
            except SearchUnavailable as error:
                raise CommandError(f"the search index is unavailable: {error}") from error
            bar.finish()
            rate = report.written / report.seconds if report.seconds else 0
            self.stdout.write(
                f"  {report.written} records written, {report.removed} stale records removed, "
                f"{report.seconds:.1f} s ({rate:.0f}/s)"
            )
        if not types:
            get_backend().rebuild_done()


class ProgressBar:
    WIDTH = 30

    def __init__(self, stream, *, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled and getattr(sys.stdout, "isatty", lambda: False)()
        self.started = time.monotonic()
        self.shown = False

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        share = done / total if total else 1
        filled = int(self.WIDTH * share)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r  [{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} {done}/{total} {elapsed:.0f}s",
            ending="",
        )
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("")
