from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from school.demo import MEMBERS, DemoAccount, DemoRefused, demo_accounts, demo_load


class Command(BaseCommand):
    help = "Load the demo org tree, members and home page (safe to run again) and list the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="load even when DEPLOYMENT=production (demo passwords are public)",
        )
        parser.add_argument(
            "--accounts-only", action="store_true", help="only print the demo accounts; change nothing"
        )

    def handle(self, *args, force: bool, accounts_only: bool, **options):
        if accounts_only:
            self._print_accounts(demo_accounts())
            return
        try:
            result = demo_load(stdout=self.stdout, force=force)
        except DemoRefused as exc:
            raise CommandError(
                _(
                    "This is a production deployment, so demo accounts with published passwords were "
                    "not created. Use --force to load them anyway."
                )
            ) from exc
        self._print_accounts(result.accounts)

    def _print_accounts(self, accounts: list[DemoAccount]) -> None:
        headers = [_("Username"), _("Password"), _("Role"), _("Name"), _("Organisation")]
        rows = [[a.username, a.password, a.role, a.real_name or "—", a.org_unit] for a in accounts]
        widths = [max(_display_width(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Demo accounts (log in at /accounts/login/):")))
        for i, row in enumerate([headers, *rows]):
            line = "  ".join(_pad(str(cell), width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  " + line.rstrip())
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))
        phones = [spec.phone for spec in MEMBERS if not spec.username]
        self.stdout.write(
            _(
                "Other demo members log in with their mobile number (%(first)s to %(last)s) and the same "
                "password, and must choose a new password first."
            )
            % {"first": min(phones), "last": max(phones)}
        )


def _display_width(text: str) -> int:
    """Chinese characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))
