"""The admin's mark log report (R-J-11): filters, the page, bad filters, query counts.

The XLSX export (built by a Celery task) is tested in test_marklog_export.py.
"""

import datetime
import re
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import Role
from journal.grid.services import add_work, record_cell
from journal.marklog import report as marklog_report
from journal.marklog import services as marklog
from journal.models import EditWindow, JournalSettings, MarkLogEntry, MarkLogExport
from schedule.models import GroupMembership, StudyGroup
from tests import factories as f

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db

URL = reverse("journal:marklog")
EXPORTS = reverse("journal:marklog_exports")
WITHIN = at(d(10, 13), 15)  # inside every lesson's one-week edit window
LATE = at(d(11, 2), 12)  # after it: only the admin may write, as an override


@contextmanager
def clock(monkeypatch, moment):
    """The log's `at` of entries appended inside the block (timezone.now as the services see it)."""
    with monkeypatch.context() as m:
        m.setattr("django.utils.timezone.now", lambda: moment.astimezone(datetime.UTC))
        yield


def write(person, work, student, raw, version=None, now=WITHIN, **kw):
    return record_cell(
        actor=actor(person), work=work, student=student, raw=raw, version=version, now=now, **kw
    )


class Log:
    """Entries made through the real services; `seq` numbers named by what they are."""

    def __init__(self, world, monkeypatch):
        w = world
        JournalSettings.objects.create(school=w.school, edit_window=EditWindow.ONE_WEEK)
        pupil, other_pupil = w.student.student, w.other_student.student
        english = f.make_subject(w.school, "Английский язык", "Англ.")
        sub = StudyGroup.objects.create(
            school=w.school, year=w.year, kind="subgroup", name="5А англ. 1", grade=5, school_class=w.class_5a
        )
        GroupMembership.objects.create(school=w.school, student=pupil, group=sub, starts=w.year.starts)
        english_5a = f.make_course(sub, english, w.other_teacher)
        self.math = add_work(actor=actor(w.teacher), lesson=lesson(w.math_5a, d(10, 12), 1), now=WITHIN)
        russian = add_work(
            actor=actor(w.class_teacher), lesson=lesson(w.russian_5a, d(10, 12), 2), now=WITHIN
        )
        math_6b = add_work(actor=actor(w.other_teacher), lesson=lesson(w.math_6b, d(10, 12), 3), now=WITHIN)
        eng = add_work(actor=actor(w.other_teacher), lesson=lesson(english_5a, d(10, 12), 4), now=WITHIN)
        with clock(monkeypatch, at(d(10, 12), 10)):
            write(w.teacher, self.math, pupil, "5")  # 1: a mark
        with clock(monkeypatch, at(d(10, 12), 23, 59)):
            write(w.teacher, self.math, pupil, "Н/5", version=1)  # 2: attendance, last minute of 12.10
        with clock(monkeypatch, at(d(10, 13), 0, 1)):
            write(w.class_teacher, russian, pupil, "4")  # 3: first minute of 13.10
        with clock(monkeypatch, at(d(10, 13), 10)):
            write(w.other_teacher, math_6b, other_pupil, "3")  # 4: 6Б
            write(w.other_teacher, eng, pupil, "2")  # 5: 5А's subgroup
        write(w.admin, self.math, pupil, "Н/4", version=1, attendance_version=1, now=LATE)  # 6: override


@pytest.fixture
def log(world, monkeypatch):
    return Log(world, monkeypatch)


def seqs(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', response.content.decode())]


def get(client, person, **params):
    client.force_login(person.user)
    return client.get(URL, params)


def test_the_page_lists_the_years_entries_newest_first(world, log, client):
    response = get(client, world.admin)
    assert seqs(response) == [6, 5, 4, 3, 2, 1]
    html = response.content.decode()
    summary = re.search(r'data-testid="marklog-summary">(.*?)</p>', html, re.S).group(1)
    assert re.findall(r"\d+", summary) == ["6", "6"]  # entries of the school's log, the head's seq
    count = re.search(r'data-testid="marklog-count"><strong>(.*?)</strong>', html, re.S).group(1)
    assert re.findall(r"\d+", count) == ["6"]
    first = re.search(r'<tr data-seq="1">(.*?)</tr>', html, re.S).group(1)
    assert "Математикова Г." in first and world.teacher.user.username in first
    assert "12.10.2026<br>" in first and "10:00:00" in first  # Moscow time, not UTC
    assert "Ученикова Зоя" in first and "Математика" in first and "5А" in first
    assert "∅" in first and '<strong class="new">5</strong>' in first


def test_an_admin_change_after_the_edit_window_is_marked(world, log, client):
    html = get(client, world.admin).content.decode()
    newest = re.search(r'<tr data-seq="6" class="override">(.*?)</tr>', html, re.S).group(1)
    assert "Админова А. П." in newest and "badge warn" in newest
    assert 'data-seq="1" class="override"' not in html
    rows = marklog_report.page_rows(
        world.school, MarkLogEntry.objects.filter(school=world.school).order_by("seq")
    )
    assert [r.override for r in rows] == [False] * 5 + [True]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "teacher"}, [2, 1]),
        ({"actor": "class_teacher"}, [3]),
        ({"actor": "admin"}, [6]),
        ({"school_class": "class_5a"}, [6, 5, 3, 2, 1]),  # the subgroup's lesson too
        ({"school_class": "class_6b"}, [4]),
        ({"kind": "attendance"}, [2]),
        ({"kind": "marks"}, [6, 5, 4, 3, 1]),
        ({"kind": "reason"}, []),
        ({"date_to": "2026-10-12"}, [2, 1]),  # 23:59 Moscow is still 12.10 (20:59 UTC)
        (
            {"date_from": "2026-10-13", "date_to": "2026-10-13"},
            [5, 4, 3],
        ),  # 00:01 Moscow is 21:01 UTC of 12.10
        ({"date_from": "2026-10-14"}, [6]),
        ({"student": "другов"}, [4]),
        ({"student": "Ученикова Зоя", "actor": "other_teacher"}, [5]),
    ],
)
def test_filters(world, log, client, params, expected):
    resolved = {}
    for name, value in params.items():
        if name == "actor":
            value = getattr(world, value).pk
        elif name == "school_class":
            value = getattr(world, value).pk
        resolved[name] = value
    assert seqs(get(client, world.admin, **resolved)) == expected


def test_another_year_shows_only_its_own_entries(world, log, client):
    older = f.make_year(world.school, 2025)
    response = get(client, world.admin, year=older.pk)
    assert seqs(response) == []
    assert "2025/2026" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "abc"}, "year"),
        ({"year": "999999999999999999999"}, "year"),
        ({"year": "²"}, "year"),
        ({"student": "a\x00b"}, "student"),
        ({"actor": "999999"}, "actor"),
        ({"actor": "x"}, "actor"),
        ({"school_class": "-1"}, "school_class"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-10-14", "date_to": "2026-10-12"}, "date_to"),
        ({"kind": "hacked"}, "kind"),
        ({"student": "x" * 101}, "student"),
        ({"page": "zzz", "actor": "nope"}, "actor"),
    ],
)
def test_bad_filters_show_a_message_next_to_the_field(world, log, client, params, field):
    response = get(client, world.admin, **params)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert 'data-testid="marklog-invalid"' in html and "<tr data-seq" not in html
    export = client.post(EXPORTS, params)
    assert export.status_code == 302 and export["Location"].startswith(URL + "?")
    assert not MarkLogExport.objects.exists()


def test_a_class_of_another_school_is_refused(world, other_world, log, client):
    response = get(client, world.admin, school_class=other_world.class_5a.pk)
    assert 'id="id_school_class_error"' in response.content.decode()
    assert "<tr data-seq" not in response.content.decode()


def test_the_teacher_list_offers_teachers_and_admins_of_the_school(world, other_world, log, client):
    html = get(client, world.admin).content.decode()
    options = re.search(r'<select name="actor"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert world.teacher.full_name in options and world.admin.full_name in options
    assert world.director.full_name not in options and world.student.full_name not in options
    assert other_world.teacher.full_name not in options


def test_a_bad_page_number_shows_the_last_or_first_page(world, log, client):
    assert seqs(get(client, world.admin, page="99")) == [6, 5, 4, 3, 2, 1]
    assert seqs(get(client, world.admin, page="x")) == [6, 5, 4, 3, 2, 1]


def test_readers_see_it_teachers_and_families_do_not(world, log, client):
    for person in (world.director, world.deputy):
        assert seqs(get(client, person)) == [6, 5, 4, 3, 2, 1]
    for person in (world.teacher, world.class_teacher, world.student, world.parent):
        assert get(client, person).status_code == 403
        assert client.post(EXPORTS).status_code == 403


def test_the_outsider_sees_only_their_own_schools_log(world, other_world, log, client):
    response = get(client, other_world.admin)
    assert seqs(response) == []


def test_a_system_entry_shows_system_as_the_author(world, log, client):
    entry = MarkLogEntry.objects.get(school=world.school, seq=1)
    marklog.append(
        school=world.school,
        actor=None,
        ip="10.0.0.1",
        kind="marks",
        lesson=entry.lesson,
        student=entry.student,
        old="5",
        new="",
    )
    rows = marklog_report.page_rows(world.school, MarkLogEntry.objects.filter(school=world.school, seq=7))
    assert (rows[0].actor_name, rows[0].actor_login, rows[0].ip) == (gettext("system"), "", "10.0.0.1")
    html = get(client, world.admin).content.decode()
    assert "10.0.0.1" in html


# Query counts: fixed, whatever the number of entries and the page


def bulk(world, n):
    """`n` more entries through the log's own append (the chain stays valid)."""
    entry = MarkLogEntry.objects.filter(school=world.school).order_by("seq").first()
    teacher = actor(world.teacher)
    for i in range(n):
        marklog.append(
            school=world.school,
            actor=teacher,
            ip="192.0.2.1",
            kind="marks",
            lesson=entry.lesson,
            student=entry.student,
            old=str(2 + i % 4),
            new=str(2 + (i + 1) % 4),
        )


# login and person, current year, year checked, count, entries, names, head, total, 4 select lists drawn,
# the user's exports
PAGE_QUERIES = 13


@pytest.mark.parametrize(("extra", "page"), [(0, 1), (250, 1), (250, 3)])
def test_the_page_takes_a_fixed_number_of_queries(world, log, client, django_assert_num_queries, extra, page):
    bulk(world, extra)
    for status in ("done", "running", "queued", "failed") * (extra // 50):
        MarkLogExport.objects.create(school=world.school, requested_by=world.admin.user, status=status)
    client.force_login(world.admin.user)
    params = {"page": page, "actor": world.teacher.pk, "kind": "marks"}
    client.get(URL, params)
    with django_assert_num_queries(PAGE_QUERIES + 1):  # +1: the chosen teacher
        response = client.get(URL, params)
    assert len(seqs(response)) == (1 if extra == 0 else 100 if page < 3 else 51)
    assert marklog.verify(world.school)[0]


def test_file_name_is_ascii(world):
    assert marklog_report.file_name(world.year) == "zhurnal-izmeneniy-2026-2027.xlsx"


def test_the_teacher_filter_means_who_made_the_change(world, log):
    """Changes by the admin in the maths teacher's course do not count as the maths teacher's."""
    wanted = marklog_report.LogFilter(year=world.year, actor=world.teacher)
    found = list(marklog_report.matching(world.school, wanted).values_list("seq", flat=True))
    assert found == [2, 1]
    nobody = f.make_person(
        world.school, roles=[Role.TEACHER], login=False, last_name="Безлогинов", first_name="Ян"
    )
    wanted = marklog_report.LogFilter(year=world.year, actor=nobody)
    assert not marklog_report.matching(world.school, wanted).exists()


def test_local_time_follows_the_schools_time_zone(world, log):
    world.school.timezone = "Asia/Yekaterinburg"  # Moscow + 2
    rows = marklog_report.page_rows(world.school, MarkLogEntry.objects.filter(school=world.school, seq=2))
    assert rows[0].at == datetime.datetime(2026, 10, 13, 1, 59)
    wanted = marklog_report.LogFilter(year=world.year, date_to=d(10, 12))
    assert list(marklog_report.matching(world.school, wanted).values_list("seq", flat=True)) == [1]


# The page in a real browser (screenshots in test-artifacts/)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_in_a_browser(world, monkeypatch, page, phone_page):
    from tests.browser.test_substitution import sign_in
    from tests.browser_fixtures import shot

    with transaction.atomic():  # the log's head is locked FOR UPDATE: no autocommit here
        Log(world, monkeypatch)
        bulk(world, 30)
    for p, name in ((page, "marklog-1280"), (phone_page, "marklog-phone")):
        sign_in(p, world.admin.user)
        p.goto(f"{p.base_url}{URL}?date_from=2026-10-14&date_to=2026-10-12&actor=x")
        assert p.locator("#id_date_to_error").is_visible()
        shot(p, f"{name}-invalid")
        p.goto(f"{p.base_url}{URL}")
        assert p.locator("[data-testid=marklog-table] tbody tr").count() == 36
        shot(p, name)


def test_final_marks_are_in_the_log_with_their_period_and_proposal(world, client):
    """A final mark's entry has no lesson: the page shows its period, class and subject, and the proposal
    when the teacher overrode it; the class filter and the XLSX values include it."""
    from journal.finals.services import record_final
    from schedule.models import ReportingPeriod

    q1 = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)
    work = add_work(actor=actor(world.teacher), lesson=lesson(world.math_5a, d(10, 12)), now=WITHIN)
    write(world.teacher, work, world.student.student, "5")
    record_final(
        actor=actor(world.teacher),
        course=world.math_5a,
        student=world.student.student,
        kind="period",
        period=q1,
        raw="4",
        version=None,
        now=at(d(10, 26)),
    )
    client.force_login(world.admin.user)
    page = client.get(URL, {"year": world.year.pk, "school_class": world.class_5a.pk}).content.decode()
    assert "1 четверть" in page and "Математика" in page
    assert re.search(r"proposed 5|предложено 5", page)
    entry = MarkLogEntry.objects.get(kind="final_period")
    (row,) = marklog_report.page_rows(world.school, MarkLogEntry.objects.filter(pk=entry.pk))
    assert (row.class_name, row.subject, row.period, row.proposed, row.final_override) == (
        "5А",
        "Математика",
        "1 четверть",
        5,
        True,
    )
    assert row.lesson_date is None and "1 четверть" in marklog_report.xlsx_values(row)
    other = client.get(URL, {"year": world.year.pk, "school_class": world.class_6b.pk}).content.decode()
    assert "1 четверть" not in other
