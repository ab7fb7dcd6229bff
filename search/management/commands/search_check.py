from django.core.management.base import BaseCommand, CommandError

from search.backends.base import SearchUnavailable
from search.services import search_check

SHOWN = 10


class Command(BaseCommand):
    help = (
        "Compare the search index with the database: per type, how many records should be found and how "
        "many are indexed, with the keys that are missing or should not be there. Exits with status 1 "
        "when they differ (run search_reindex to repair)."
    )

    def handle(self, *args, **options):
        try:
            checks = search_check()
        except SearchUnavailable as error:
            raise CommandError(f"the search index is unavailable: {error}") from error
        for check in checks:
            status = self.style.SUCCESS("ok") if check.ok else self.style.ERROR("differs")
            self.stdout.write(
                f"{check.type_name:<10} {check.label:<12} database {check.expected:>7}  "
                f"index {check.indexed:>7}  {status}"
            )
            for title, keys in (("missing", check.missing), ("extra", check.extra)):
                if keys:
                    more = f" (and {len(keys) - SHOWN} more)" if len(keys) > SHOWN else ""
                    self.stdout.write(f"  {title}: {', '.join(keys[:SHOWN])}{more}")
        if not all(check.ok for check in checks):
            raise CommandError("the index differs from the database: run manage.py search_reindex")
