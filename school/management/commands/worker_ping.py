from django.core.management.base import BaseCommand, CommandError

from school.tasks import ping


class Command(BaseCommand):
    help = "Send a ping task through the configured broker and wait for a worker to answer."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the answer")
        parser.add_argument("--queue", default="default", choices=["default", "media"])

    def handle(self, *args, timeout: float, queue: str, **options):
        result = ping.apply_async(queue=queue)
        try:
            answer = result.get(timeout=timeout)
        except Exception as exc:  # celery raises TimeoutError or a broker error
            raise CommandError(
                f"no worker answered on queue {queue!r} within {timeout:.0f} s: {exc}"
            ) from exc
        if answer != "pong":
            raise CommandError(f"unexpected answer {answer!r}")
        self.stdout.write(self.style.SUCCESS(f"worker answered {answer} on queue {queue}"))
