"""Boards, threads and replies for tests, made through the services as members make them."""

from __future__ import annotations

from community import services
from community.models import Board, Post, Thread


def board(title: str = "学习交流", *, org_unit=None, **fields) -> Board:
    return Board.objects.create(title=title, org_unit=org_unit, **fields)


def thread(
    board: Board, author, title: str = "如何理解“两个确立”？", body: str = "请大家谈谈体会。"
) -> Thread:
    return services.thread_create(board=board, author=author, title=title, body=body)


def reply(thread: Thread, author, body: str = "我的理解是……", **kwargs) -> Post:
    return services.post_reply(thread=thread, author=author, body=body, **kwargs)


def note(
    author, title: str = "学习党章的体会", body: str = "要把党章学深学透。", *, audience="branch", page=None
):
    from community import notes

    return notes.note_create(author=author, title=title, body=body, audience=audience, page=page)


def race(action, users) -> list[int]:
    """Call ``action(user)`` for every user at once, one thread each; the pks of those refused
    (``NotAllowed``). Any other error fails the test. Needs ``django_db(transaction=True)``."""
    import threading

    from django.db import connection

    from community.exceptions import NotAllowed

    barrier = threading.Barrier(len(users))
    refused, errors = [], []

    def run(user) -> None:
        try:
            barrier.wait()
            action(user)
        except NotAllowed:
            refused.append(user.pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return refused
