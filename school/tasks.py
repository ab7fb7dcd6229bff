from celery import shared_task


@shared_task(name="school.ping")
def ping() -> str:
    """Answers "pong": proves a worker consumes the default queue (healthz, make run)."""
    return "pong"
