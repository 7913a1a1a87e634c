"""The tests' clock (tests/clock.py): every reader of the time sees the moment the test chose."""

import datetime
import re

import pytest
from django.utils import timezone

from schedule.selectors import local_today
from tests.clock import DEFAULT_NOW, SCHOOL_ZONE, TODAY


def test_by_default_a_test_runs_on_a_school_day_of_the_worlds_second_quarter(world):
    assert TODAY == datetime.date(2026, 12, 9) and TODAY.weekday() == 2  # a Wednesday
    assert datetime.date.today() == TODAY
    assert timezone.localdate() == TODAY == local_today(world.school)
    assert abs(timezone.now() - DEFAULT_NOW) < datetime.timedelta(minutes=5)
    quarter = world.year.schemes.get(kind="quarters").periods.get(starts__lte=TODAY, ends__gte=TODAY)
    assert quarter.number == 2


@pytest.mark.now("2027-07-18 23:30")
def test_a_marked_test_runs_at_its_moment_in_school_time():
    now = timezone.now()
    assert now.astimezone(SCHOOL_ZONE).date() == datetime.date(2027, 7, 18)
    assert now.astimezone(datetime.UTC).hour == 20  # 23:30 in Moscow
    assert timezone.localdate() == datetime.date(2027, 7, 18)


def test_the_clock_moves_mid_test_and_keeps_ticking(clock):
    clock.move_to("2028-02-29 08:00")
    first = timezone.now()
    assert clock.today == datetime.date(2028, 2, 29) == timezone.localdate()
    assert first.astimezone(SCHOOL_ZONE).replace(tzinfo=None) >= datetime.datetime(2028, 2, 29, 8, 0)
    later = timezone.now()
    assert later >= first  # ticks: rows written one after another keep their order


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.now("2027-01-03 12:00")
def test_the_live_server_and_the_browser_see_the_tests_clock(page):
    """A Sunday in the winter break: the page's `Date` and the server's sign-in stamp both say so."""
    from tests.browser.test_substitution import sign_in
    from tests.conftest import build_world

    teacher = build_world().teacher
    sign_in(page, teacher.user)
    assert page.evaluate("() => new Date().toISOString().slice(0, 10)") == "2027-01-03"
    teacher.user.refresh_from_db()
    assert teacher.user.last_login.astimezone(SCHOOL_ZONE).date() == datetime.date(2027, 1, 3)


ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
APPS = ["accounts", "archive", "ejournal", "journal", "reports", "schedule"]
# Readers of the machine's clock that bypass the one way the code reads the time (timezone.now(),
# schedule.selectors.local_today), and the database's own clock, which the tests' clock cannot move.
FORBIDDEN = re.compile(
    r"\bdate\.today\(|\bdatetime\.(now|today|utcnow)\(|(?-i:\bNow\(\))|"
    r"['\"][^'\"\n]*((?<!\.)\bnow\(\)|\b(current_date|current_timestamp|localtimestamp)\b)",
    re.IGNORECASE,
)


def test_application_code_reads_the_time_one_way():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert offenders == []


def test_every_browser_context_of_the_tests_sees_the_tests_clock():
    """Contexts come from tests.browser_fixtures.browser_context, which sets the page's clock."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.name not in ("browser_fixtures.py", "test_clock.py")
        and ".new_context(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
