"""The fault drill (`make faults`, issue 20): the portal as `make run` starts it, under load, while its parts fail.

Everything runs on 127.0.0.1 and is the drill's own: a PostgreSQL database (FAULTS_DATABASE_URL, default
`ejournal_faults`; created, migrated and seeded with the tiny demo school the first time), a `redis-server` on a
free port (cache, sessions' copies, sign-in counters and the broker), gunicorn (2 workers, the psycopg pool,
DEBUG off), a Celery worker, Celery beat and an SMTP sink that counts the letters. Other people's databases and
the shared Redis on 6379 are never touched.

Driver threads sign in as the demo's families and teachers (over HTTP, as a browser does), open their pages and
save marks and absences in the grid, again after a failed save as the grid does. Meanwhile, one after another:
Redis is stopped and started again, every database connection of the portal is killed (pg_terminate_backend,
the stand-in for a server restart), and the worker is killed with SIGKILL and started again. Printed per fault:
requests made, answers by status, errors; afterwards what was lost: every mark saved with a 2xx must be in the
database, the mark log must verify, every letter the outbox sent must have arrived once. Written to
bench/faults.json. Bounded: about three minutes, each wait has a deadline.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import email
import email.policy
import json
import os
import random
import secrets
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
CSRF = secrets.token_hex(16)  # 32 characters: the same secret in the cookie and the header


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
        return True
    except OSError:
        return False


# The parts


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP for Django's backend: every accepted message is kept (recipient, subject)."""

    daemon_threads = allow_reuse_address = True

    def __init__(self):
        self.letters: list[tuple[str, str]] = []
        super().__init__((HOST, free_port()), SmtpHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        def say(line):
            self.wfile.write(line.encode() + b"\r\n")

        say("220 drill")
        rcpt = ""
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                say("354 go on")
                lines = []
                while (data := self.rfile.readline()) and data != b".\r\n":
                    lines.append(data[1:] if data.startswith(b"..") else data)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                self.server.letters.append((rcpt, str(message["Subject"])))
                say("250 kept")
            elif verb == b"RCPT":
                rcpt = line.decode(errors="replace").split(":", 1)[1].strip()
                say("250 ok")
            elif verb == b"QUIT":
                say("221 bye")
                return
            else:  # EHLO, HELO, MAIL, RSET, NOOP
                say("250 ok")


class Redis:
    """A redis-server of the drill's own (no snapshot, no append-only file: a restart loses the queue, as a
    Redis without persistence does)."""

    def __init__(self, folder: str):
        self.port, self.folder, self.process = free_port(), folder, None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
             "--dir", self.folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait(lambda: self._answers(), 10, "redis-server did not start")

    def _answers(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class Process:
    """A portal process in a process group of its own (a worker's children die with it)."""

    def __init__(self, name: str, command: list[str], env: dict, log_dir: str):
        self.name, self.command, self.env = name, command, env
        self.log = open(Path(log_dir) / f"{name}.log", "ab")  # noqa: SIM115 (closed in stop)
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig=signal.SIGKILL):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


# HTTP as a browser does it


class Session:
    def __init__(self, base: str):
        self.base, self.cookies = base, {"csrftoken": CSRF}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, path: str, data: dict | None = None, script: bool = False) -> tuple[int, bytes]:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-CSRFToken": CSRF,
            "Referer": self.base + "/",
        }
        if script:
            headers["X-Requested-With"] = "fetch"
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, body, headers), timeout=30) as r:
                status, raw, set_cookies = r.status, r.read(), r.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as error:
            status, raw, set_cookies = error.code, error.read(), error.headers.get_all("Set-Cookie") or []
        for cookie in set_cookies:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if name == "sessionid":
                self.cookies[name] = value.strip('"')
        return status, raw


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Tally:
    """Requests per phase (the phase when each ended, so a request a fault broke counts with the fault): answers
    by status, errors by kind, and how many are in flight."""

    def __init__(self):
        self.lock = threading.Lock()
        self.phase = "start"
        self.statuses = collections.defaultdict(collections.Counter)
        self.errors = collections.defaultdict(collections.Counter)
        self.in_flight = 0

    def call(self, session: Session, path: str, data=None, script=False):
        with self.lock:
            self.in_flight += 1
        try:
            status, body = session.request(path, data, script)
            with self.lock:
                self.statuses[self.phase][status] += 1
            return status, body
        except OSError as exc:
            with self.lock:
                self.errors[self.phase][type(exc).__name__] += 1
            return None, b""
        finally:
            with self.lock:
                self.in_flight -= 1


# The drill


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "FAULTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ejournal_faults"))  # fmt: skip
    parser.add_argument("--phase-seconds", type=float, default=15)
    parser.add_argument("--json", default=str(ROOT / "bench" / "faults.json"))
    args = parser.parse_args()
    if urllib.parse.urlsplit(args.database_url).hostname not in (HOST, "localhost"):
        parser.error("the drill runs against 127.0.0.1 only")

    folder = tempfile.mkdtemp(prefix="ejournal-faults-")
    redis, smtp = Redis(folder), SmtpSink()
    redis.start()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "PYTEST_XDIST_WORKER")},
        "DATABASE_URL": args.database_url,
        "REDIS_URL": f"redis://{HOST}:{redis.port}/0",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "ALLOWED_HOSTS": HOST,
        "STATIC_ROOT": str(Path(folder) / "static"),
        "MEDIA_ROOT": str(Path(folder) / "media"),
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(smtp.server_address[1]),
        "DB_POOL": "1",
        "CELERY_VISIBILITY_TIMEOUT": "20",  # a killed worker's job comes back within the drill
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env, DB_POOL="0")
    sys.path.insert(0, str(ROOT))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ejournal.settings")
    print("preparing the drill's database (the first time: migrate and the tiny demo school, ~1 min)…")
    subprocess.run([str(BIN / "python"), "bin/ensure_database.py"], cwd=ROOT, env=env, check=True)
    manage = [str(BIN / "python"), "manage.py"]
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"],
                    ["seed_demo", "--size", "tiny", "--if-empty", "--logins-json", f"{folder}/logins.json"]):  # fmt: skip
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    django.setup()

    port = free_port()
    base = f"http://{HOST}:{port}"
    web = Process("web", [str(BIN / "gunicorn"), "ejournal.wsgi", "--bind", f"{HOST}:{port}", "--workers", "2",
                          "--no-control-socket", "--timeout", "60"], env, folder)  # fmt: skip
    worker_command = [str(BIN / "celery"), "-A", "ejournal", "worker", "--concurrency", "2", "--loglevel", "info",
                      "--hostname", f"faults-{port}@%h"]  # fmt: skip
    worker = Process("worker", worker_command, env, folder)
    beat = Process("beat", [str(BIN / "celery"), "-A", "ejournal", "beat", "-s", f"{folder}/beat-schedule",
                            "--loglevel", "warning"], env, folder)  # fmt: skip
    processes = [web, worker, beat]
    try:
        for process in processes:
            process.start()
        wait(lambda: answers(base + "/accounts/login/"), 30, "gunicorn did not start")
        return drill(args, base, folder, redis, smtp, worker)
    finally:
        for process in processes:
            process.kill(signal.SIGTERM)
        redis.stop()
        smtp.shutdown()
        print(f"logs of the portal's processes: {folder}")


def plan_cells(teacher_login: str):
    """Today's lessons of the teacher (or the latest school day's) and their students: the cells to type into."""
    from schedule.models import Lesson
    from schedule.selectors import local_today, students_of_group

    lessons = Lesson.objects.filter(teacher__user__username=teacher_login, status="planned").select_related(
        "school", "group"
    )
    school = lessons.first().school
    today = local_today(school)
    day = lessons.filter(date__lte=today).order_by("-date").values_list("date", flat=True).first()
    cells = []
    for lesson in lessons.filter(date=day).order_by("slot"):
        cells += [(lesson.pk, s.pk) for s in students_of_group(lesson.group, on=day)]
    return school, cells


def drill(args, base, folder, redis, smtp, worker) -> int:
    from django.db import connections

    from accounts.models import OutboxMessage
    from journal.marklog.services import verify
    from journal.models import Cell

    logins = {row["role"]: row for row in json.load(open(f"{folder}/logins.json"))}
    tally, stop = Tally(), threading.Event()
    # (lesson, student) -> (work, marks) as the last answer about the cell showed them
    saved: dict[tuple[int, int], tuple[int, list[int]]] = {}
    signed_in = collections.Counter()

    def sign_in(role: str) -> Session:
        session = Session(base)
        login = logins[role]
        status, _ = tally.call(
            session, "/accounts/login/", {"username": login["username"], "password": login["password"]}
        )
        if status == 302 and "sessionid" in session.cookies:
            signed_in[role] += 1
        return session

    def family(role: str, pages):
        while not stop.is_set():
            session = sign_in(role)
            for path in pages:
                tally.call(session, path)

    def teacher(role: str, cells):
        session, versions, pending = sign_in(role), {}, list(cells)
        random.Random(role).shuffle(pending)
        i = 0
        while not stop.is_set() and pending:
            lesson, student = cell = pending[i % len(pending)]
            value = "н" if i % 7 == 3 else random.choice("2345")
            work, version, att_version = versions.get(cell, ("", "", ""))
            status, body = tally.call(session, "/journal/cell/", {
                "lesson": lesson, "work": work, "student": student, "value": value, "version": version,
                "att_version": att_version}, script=True)  # fmt: skip
            if status in (200, 409):
                data = json.loads(body)
                work = data.get("work", work)
                versions[cell] = (work, data.get("version") or "", data.get("att_version") or att_version)
                # The marks the cell holds now, as the server shows them (saved, or the other value of a conflict).
                saved[cell] = (work, [int(c) for c in data.get("display") or "" if c.isdigit()])
                i += 1
            elif status == 401:
                session = sign_in(role)
            elif status is None or status >= 500:
                time.sleep(0.2)  # not saved: the grid keeps the value and sends it again
            else:
                i += 1
            time.sleep(0.05)

    school = None
    threads = []
    for role in ("teacher", "class_teacher"):
        school, cells = plan_cells(logins[role]["username"])
        threads.append(threading.Thread(target=teacher, args=(role, cells[:40]), daemon=True))
    threads += [
        threading.Thread(target=family, args=("parent", ["/", "/accounts/notifications/", "/"]), daemon=True),
        threading.Thread(target=family, args=("student", ["/", "/"]), daemon=True),
    ]
    connections.close_all()

    import psycopg

    killer = psycopg.connect(args.database_url, autocommit=True)
    phases: list[dict] = []

    def phase(name: str, action=None):
        with tally.lock:
            tally.phase = name
        started = time.monotonic()
        notes = action() if action else {}
        time.sleep(max(0.0, args.phase_seconds - (time.monotonic() - started)))
        phases.append({"fault": name, **(notes or {})})
        print(f"  {name}: done")

    def redis_down():
        redis.stop()
        time.sleep(args.phase_seconds * 0.6)
        redis.start()
        return {"redis_down_seconds": round(args.phase_seconds * 0.6, 1)}

    def kill_connections():
        killed, in_flight = 0, 0
        for _ in range(3):
            with tally.lock:
                in_flight += tally.in_flight
            killed += len(killer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall())  # fmt: skip
            time.sleep(args.phase_seconds / 4)
        return {"connections_killed": killed, "requests_in_flight_at_kills": in_flight}

    def kill_worker():
        worker.kill(signal.SIGKILL)
        time.sleep(2)
        worker.start()
        return {"worker_killed": "SIGKILL, worker and its children; a new one started 2 s later"}

    print(f"drill against {base} (database {args.database_url.rsplit('/', 1)[1]}, redis port {redis.port})")
    started_at = datetime.datetime.now(datetime.UTC)
    for thread in threads:
        thread.start()
    phase("baseline")
    phase("redis_stopped_and_restarted", redis_down)
    phase("database_connections_killed", kill_connections)
    phase("worker_killed", kill_worker)
    phase("after")
    stop.set()
    for thread in threads:
        thread.join(35)

    # Letters of the absences typed: the dispatcher (beat, every minute) queues them, the worker sends them.
    Status = OutboxMessage.Status
    outbox = OutboxMessage.objects.filter(created_at__gte=started_at)
    for done, what in ((outbox.exists, "letters queued"),
                       (lambda: not outbox.filter(status__in=[Status.PENDING, Status.SENDING]).exists(), "sent")):  # fmt: skip
        try:
            wait(done, 90, what)
        except TimeoutError:
            print(f"  (waited 90 s: not all {what})")
    missing = [
        {"lesson": lesson, "student": student, "marks": marks}
        for (lesson, student), (work, marks) in saved.items()
        if work
        and not Cell.objects.filter(work_id=work, student_id=student, marks=marks).exists()
        and (marks or Cell.objects.filter(work_id=work, student_id=student).exists())
    ]
    chain_ok, broken_at, chain_message = verify(school)
    # A letter is known by its address and subject; spaces are left out (folding a long encoded subject drops some).
    sent = collections.Counter(
        (address, "".join(subject.split()))
        for address, subject in outbox.filter(status=Status.SENT).values_list("address", "subject")
    )
    received = collections.Counter(
        (address.strip("<>"), "".join(subject.split())) for address, subject in smtp.letters
    )
    result = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": "make faults",
        "setup": "gunicorn 2 workers (psycopg pool), 1 Celery worker (2 processes), beat, own redis-server, "
        "tiny demo school; 4 driver threads: 2 teachers saving marks, a parent and a student signing in and reading",
        "phases": [],
        "lost": {
            "marks_saved_2xx": len(saved),
            "marks_missing": missing,
            "mark_log_verifies": chain_ok,
            "mark_log_message": str(chain_message),
            "letters_queued": outbox.count(),
            "letters_sent": sent.total(),
            "letters_pending_or_failed": outbox.exclude(status=Status.SENT).count(),
            "letters_received": received.total(),
            "letters_received_twice": (received - sent).total(),  # more copies arrived than the outbox sent
            "letters_sent_not_received": (sent - received).total(),
            "examples": {
                "sent_not_received": list(sent - received)[:3],
                "received_twice": list(received - sent)[:3],
            },
        },
        "sign_ins": dict(signed_in),
    }
    print(f"\n{'fault':<30} {'requests':>8}  {'by status':<40} errors")
    for notes in phases:
        name = notes["fault"]
        statuses = dict(sorted(tally.statuses[name].items()))
        errors = dict(tally.errors[name])
        fivexx = sum(n for s, n in statuses.items() if s >= 500)
        result["phases"].append({**notes, "requests": sum(statuses.values()) + sum(errors.values()),
                                 "statuses": {str(k): v for k, v in statuses.items()}, "5xx": fivexx,
                                 "errors": errors})  # fmt: skip
        print(f"{name:<30} {result['phases'][-1]['requests']:>8}  {json.dumps(statuses):<40} {errors or ''}")
    print("\nlost:", json.dumps(result["lost"], ensure_ascii=False, indent=1))
    Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"written to {args.json}")
    killer.close()
    lost = (
        missing
        or not chain_ok
        or result["lost"]["letters_received_twice"]
        or result["lost"]["letters_sent_not_received"]
    )
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
