"""Many examinees sitting one exam at once, over HTTP on loopback; then every answer is reconciled.

    uv run python bench/exam_storm.py [--examinees 200] [--concurrency 40] [--think 0.3]
                                      [--url http://127.0.0.1:8000] [--seconds 600]

Without --url it starts its own gunicorn (4 workers, loopback only) on a throw-away var folder;
with DATABASE_URL set (PostgreSQL) that server and this script share that database, otherwise a
throw-away SQLite file (fine for a smoke run, not for figures). With --url it drives a running
server; this script must then see the server's database (same DATABASE_URL) to prepare members,
their login sessions and the exam, and to reconcile.

Each examinee: opens the exam, starts, loads the attempt page, answers every question with a
think time, and submits. Along the way 10% send every save twice (a duplicate must be accepted
once), 5% open the attempt in a second tab and then save from the first (that must get 409 and
is resent from the new tab), and 5% lose a response (the request reached the server, the reply
did not) and retry it. Afterwards every answer an examinee saw acknowledged is compared with the
database: any missing or different answer, or any 5xx, fails the run (exit status 1).

Printed: p50/p95/p99 of start, autosave and submit, throughput, and the ratio of the autosave p50
to a baseline (GET /healthz p50) measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIG = re.compile(r'<script id="attempt-config" type="application/json">(.*?)</script>', re.S)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Examinee:
    username: str
    cookie_name: str
    session_cookie: str
    behaviour: str  # "normal", "duplicate", "second_tab", "lost_reply"
    believed: dict[int, Any] = field(default_factory=dict)  # position -> last acknowledged answer
    attempt_id: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.samples[kind].append(seconds)
            if status >= 500:
                self.server_errors += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


# --- preparing data (inside the server's database) ----------------------------------------------


def prepare(*, examinees: int, questions: int, minutes: int) -> tuple[int, list[Examinee]]:
    """A committee, its members with login sessions, and a published exam of objective questions."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from exams.models import Exam, ExamSlot
    from exams.tests import factories
    from school.models import Member, OrgUnit, User

    stamp = int(time.time())
    unit = OrgUnit.add_root(name=f"压测党委{stamp}", kind=OrgUnit.Kind.COMMITTEE, code=f"STORM{stamp}")
    category = factories.category(f"压测题库{stamp}")
    makers = [factories.single_choice, factories.multiple_choice, factories.true_false, factories.fill_in]
    bank = [makers[i % 4](category, stem=f"第{i + 1}题（压测）") for i in range(questions)]
    now = timezone.now()
    exam = Exam.objects.create(
        title=f"压测考试{stamp}",
        org_unit=unit,
        status=Exam.Status.PUBLISHED,
        opens_at=now - timezone.timedelta(minutes=1),
        closes_at=now + timezone.timedelta(hours=2),
        time_limit_minutes=minutes,
        shuffle_questions=False,  # answer_for() goes by position; options stay shuffled
    )
    ExamSlot.objects.bulk_create(ExamSlot(exam=exam, sort_order=i, question=q) for i, q in enumerate(bank))
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806
    people = []
    for i in range(examinees):
        user = User.objects.create_user(username=f"storm{stamp}_{i}", password=None)
        Member.objects.create(user=user, real_name=f"考生{i}", org_unit=unit)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the one that loads users
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        roll = random.random()
        behaviour = (
            "duplicate"
            if roll < 0.10
            else "second_tab"
            if roll < 0.15
            else "lost_reply"
            if roll < 0.20
            else "normal"
        )
        people.append(Examinee(user.username, settings.SESSION_COOKIE_NAME, session.session_key, behaviour))
    return exam.pk, people


# --- one examinee -------------------------------------------------------------------------------


class Run:
    def __init__(self, url: str, timings: Timings, think: float, deadline: float) -> None:
        self.url = url.rstrip("/")
        self.timings = timings
        self.think = think
        self.deadline = deadline

    def request(
        self, http: requests.Session, kind: str, method: str, path: str, **kwargs
    ) -> requests.Response:
        for attempt in range(6):
            started = time.perf_counter()
            try:
                response = http.request(method, self.url + path, timeout=30, **kwargs)
            except requests.RequestException:
                time.sleep(min(2**attempt * 0.2, 3))
                continue
            self.timings.add(kind, time.perf_counter() - started, response.status_code)
            if response.status_code < 500 and response.status_code != 429:
                return response
            time.sleep(min(2**attempt * 0.2, 3))
        raise RuntimeError(f"{kind} failed six times")

    def open_page(self, http: requests.Session, path: str) -> tuple[dict, int]:
        """Load the attempt page (it becomes the current window): its config and question count."""
        import json

        page = self.request(http, "page", "GET", path)
        return json.loads(CONFIG.search(page.text).group(1)), len(
            re.findall(r'data-position="\d+"', page.text)
        )

    def post_save(self, http: requests.Session, config: dict, seq: int, answers: dict) -> requests.Response:
        body = {"writer": config["writer"], "seq": seq, "answers": answers}
        return self.request(
            http,
            "autosave",
            "POST",
            config["saveUrl"],
            json=body,
            headers={"X-CSRFToken": config["csrfToken"]},
        )

    def save(self, http: requests.Session, person: Examinee, config: dict, seq: int, answers: dict) -> None:
        if person.behaviour == "lost_reply" and seq == config["seq"] + 2:
            self.post_save(http, config, seq, answers)  # it reached the server; the reply was lost
        response = self.post_save(http, config, seq, answers)
        if person.behaviour == "duplicate":
            again = self.post_save(http, config, seq, answers)
            if again.status_code != 200 or not again.json().get("duplicate"):
                person.errors.append(f"duplicate save not recognised: {again.status_code}")
        if response.status_code != 200:
            person.errors.append(f"save refused: {response.status_code} {response.text[:200]}")
            return
        person.believed.update({int(k): v for k, v in answers.items()})

    def start(self, http: requests.Session, exam_id: int) -> str:
        detail_path = f"/exams/{exam_id}/"
        detail = self.request(http, "page", "GET", detail_path)
        token = CSRF_INPUT.search(detail.text).group(1)
        started = self.request(
            http,
            "start",
            "POST",
            f"/exams/{exam_id}/start",
            data={"csrfmiddlewaretoken": token},
            headers={"Referer": self.url + detail_path},
            allow_redirects=False,
        )
        return started.headers["Location"]

    def second_tab(self, http: requests.Session, person: Examinee, old: dict, path: str) -> dict:
        """Open the attempt again; a save from the old tab must now be refused with 409."""
        new, _count = self.open_page(http, path)
        refused = self.post_save(http, old, old["seq"] + 1000, {"0": answer_for(0)})
        if refused.status_code != 409:
            person.errors.append(f"a save from a replaced tab got {refused.status_code}, not 409")
        return new

    def sit(self, person: Examinee, exam_id: int) -> None:
        http = requests.Session()
        http.cookies.set(person.cookie_name, person.session_cookie)
        attempt_path = self.start(http, exam_id)
        config, count = self.open_page(http, attempt_path)
        person.attempt_id = config["attempt"]
        seq = config["seq"]
        for position in range(count):
            if time.monotonic() > self.deadline:
                break
            time.sleep(random.uniform(0, 2 * self.think))
            if person.behaviour == "second_tab" and position == count // 2:
                config = self.second_tab(http, person, config, attempt_path)
            seq += 1
            self.save(http, person, config, seq, {str(position): answer_for(position)})
        submitted = self.request(
            http,
            "submit",
            "POST",
            config["submitUrl"],
            json={"writer": config["writer"]},
            headers={"X-CSRFToken": config["csrfToken"]},
        )
        if submitted.status_code != 200:
            person.errors.append(f"submit refused: {submitted.status_code} {submitted.text[:200]}")


def answer_for(position: int) -> Any:
    """Deterministic answers by the question's kind (the prepared exam cycles 单选, 多选, 判断, 填空)."""
    return [[position % 4], [0, 2], position % 2 == 0, [f"答案{position}"]][position % 4]


# --- reconciliation -----------------------------------------------------------------------------


def reconcile(people: list[Examinee]) -> list[str]:
    """Every answer each examinee saw acknowledged must be in the database, exactly."""
    from exams.models import Attempt
    from exams.services.attempts import browser_response

    problems = []
    attempts = Attempt.objects.filter(public_id__in=[p.attempt_id for p in people if p.attempt_id])
    by_id = {str(a.public_id): a for a in attempts.prefetch_related("answers")}
    for person in people:
        problems += [f"{person.username}: {error}" for error in person.errors]
        attempt = by_id.get(person.attempt_id)
        if attempt is None:
            problems.append(f"{person.username}: no attempt in the database")
            continue
        stored = {
            a.position: browser_response(attempt.layout[a.position], a.response)
            for a in attempt.answers.all()
        }
        for position, answer in person.believed.items():
            if position not in stored:
                problems.append(f"{person.username}: answer {position + 1} is missing")
            elif stored[position] != answer:
                problems.append(
                    f"{person.username}: answer {position + 1} is {stored[position]!r}, not {answer!r}"
                )
        if attempt.state != Attempt.State.SUBMITTED:
            problems.append(f"{person.username}: attempt not submitted ({attempt.state})")
    return problems


# --- running ------------------------------------------------------------------------------------


def storm(*, url: str, exam_id: int, people: list[Examinee], concurrency: int, think: float, seconds: float):
    timings = Timings()
    run = Run(url, timings, think, time.monotonic() + seconds)
    for _ in range(20):
        run.request(requests.Session(), "baseline", "GET", "/healthz")
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(run.sit, person, exam_id) for person in people]:
            future.result()
    elapsed = time.perf_counter() - started
    for _ in range(20):
        run.request(requests.Session(), "baseline", "GET", "/healthz")
    return timings, elapsed


def report(timings: Timings, elapsed: float, problems: list[str], examinees: int) -> None:
    baseline = statistics.median(timings.samples["baseline"])
    print(f"examinees {examinees}, wall clock {elapsed:.1f} s")
    for kind in ("start", "autosave", "submit", "page"):
        values = timings.samples[kind]
        if values:
            print(
                f"{kind:9} n={len(values):6}  p50 {percentile(values, 0.5) * 1000:7.1f} ms  "
                f"p95 {percentile(values, 0.95) * 1000:7.1f} ms  "
                f"p99 {percentile(values, 0.99) * 1000:7.1f} ms  "
                f"p50/baseline {percentile(values, 0.5) / baseline:6.1f}×"
            )
    requests_made = sum(len(v) for k, v in timings.samples.items() if k != "baseline")
    print(
        f"throughput {requests_made / elapsed:.1f} requests/s; "
        f"baseline GET /healthz p50 {baseline * 1000:.1f} ms"
    )
    print(f"5xx responses: {timings.server_errors}; answers lost or wrong: {len(problems)}")
    for problem in problems[:20]:
        print("  " + problem)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(var_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "school.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--threads",
            "4",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return server, url
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not come up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examinees", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.3, help="mean seconds between answers")
    parser.add_argument("--seconds", type=float, default=600, help="stop answering after this long")
    parser.add_argument("--url", help="a running server sharing this DATABASE_URL (default: start one)")
    args = parser.parse_args()
    if not args.url:
        var_dir = Path(tempfile.mkdtemp(prefix="bench-storm-var-"))
        os.environ["VAR_DIR"] = str(var_dir)
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{var_dir / 'storm.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")
    import django

    django.setup()
    if not args.url:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
    exam_id, people = prepare(examinees=args.examinees, questions=args.questions, minutes=60)
    server = None
    url = args.url
    if not url:
        server, url = serve(Path(os.environ["VAR_DIR"]))
    try:
        timings, elapsed = storm(
            url=url,
            exam_id=exam_id,
            people=people,
            concurrency=args.concurrency,
            think=args.think,
            seconds=args.seconds,
        )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    problems = reconcile(people)
    report(timings, elapsed, problems, len(people))
    return 1 if problems or timings.server_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
