"""The deadlines' letters, nightly job, control page, workbook and home card (issue 16, R-CTL-4, seed 002 8.3).

A week of 5А: Monday's math lesson has no topic and an oral column without marks (missing), Russian got
its topic at 20:30 (late). The teacher's daily letter says so once a day; the deputy's control page, its
list and workbook count them; the results go to each teacher and class teacher once.
"""

import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from accounts import notify
from accounts.models import OutboxMessage
from journal.deadlines import reminders, services
from journal.grid.services import add_work, ensure_default_work_types
from journal.models import DeadlineMeasure, DeadlineSettings, EditWindow, JournalSettings, WorkType
from journal.records.services import set_topic
from tests import factories as f
from tests.journal import MSK, actor, d

MON, TUE, WED = d(12, 7), d(12, 8), d(12, 9)


def m(day, hh, mm=0):
    return datetime.datetime.combine(day, datetime.time(hh, mm), tzinfo=MSK)


@pytest.fixture
def monday(world, clock):
    clock.move_to("2026-12-07 09:00")
    JournalSettings.objects.create(school=world.school, edit_window=EditWindow.NEVER_LOCKED)
    ensure_default_work_types(world.school)
    math = f.make_lesson(world.math_5a, MON, 2)
    russian = f.make_lesson(world.russian_5a, MON, 6)
    oral = add_work(
        actor=actor(world.teacher), lesson=math, work_type=WorkType.objects.get(school=world.school, code="У")
    )
    clock.move_to("2026-12-07 20:30")
    set_topic(actor=actor(world.class_teacher), lesson=russian, text="Причастие")
    for person, address in ((world.teacher, "math@example.ru"), (world.class_teacher, "rus@example.ru"),
                            (world.deputy, "zavuch@example.ru")):  # fmt: skip
        person.email = address
        person.save()
    return world, math, russian, oral


def test_the_teacher_gets_one_letter_a_day_from_the_school_s_hour(monday):
    world, math, _russian, oral = monday
    assert reminders.remind(world.school, now=m(WED, 7, 59)) == 0  # before 08:00
    assert reminders.remind(world.school, now=m(WED, 8, 5)) == 1  # math: late; Russian: nothing owed now
    letter = OutboxMessage.objects.get(kind="teacher_day")
    assert letter.recipient == world.teacher
    assert "5А · Математика" in letter.text and "нет темы" in letter.text
    assert "нет отметок в колонке У" in letter.text and "08.12 24:00" in letter.text
    assert reminders.remind(world.school, now=m(WED, 15)) == 0  # once a day
    assert reminders.remind(world.school, now=m(d(12, 10), 8, 5)) == 1  # the next day again
    assert notify.flush_outbox() == 2 and len(mail.outbox) == 2


def test_a_school_that_turns_the_letters_off_gets_none(monday):
    world, *_ = monday
    DeadlineSettings.objects.update_or_create(school=world.school, defaults={"remind": False})
    world.school.refresh_from_db()
    assert reminders.remind(world.school, now=m(WED, 9)) == 0


def test_a_column_due_tonight_is_in_the_morning_letter(monday, clock):
    world, math, _russian, oral = monday
    set_topic(actor=actor(world.teacher), lesson=math, text="Дроби")  # late, but written
    letters = reminders.letters_for(world.school, m(TUE, 8, 30))
    assert [line["label"] for line in letters[world.teacher.pk]["today"]] == ["У"]
    assert letters[world.teacher.pk]["late"] == []


def test_the_nightly_job_measures_once_a_day_and_catches_up(monday):
    world, *_ = monday
    assert services.measure_if_due(world.school, now=m(TUE, 0, 30)) is False  # before 01:00
    assert services.measure_if_due(world.school, now=m(TUE, 1, 20)) is True
    assert services.measure_if_due(world.school, now=m(TUE, 2, 20)) is False  # done today
    lessons = DeadlineMeasure.objects.exclude(
        clause__in=["plan", "timetable"]
    )  # (Q2: no plans, no timetable)
    assert sorted(lessons.values_list("clause", "state")) == [("record", "late"), ("record", "missing")]
    # (the oral column is due by tonight)
    # The worker was down on Wednesday night: Thursday's first run measures, the oral column now missing.
    assert services.measure_if_due(world.school, now=m(d(12, 10), 11, 20)) is True
    assert DeadlineMeasure.objects.filter(clause="marks", state="missing").count() == 1


@pytest.fixture
def measured(monday):
    world, *_ = monday
    services.measure(world.school, MON, MON, now=m(WED, 2))
    return monday


def test_the_control_page_counts_per_teacher_and_clause(measured, client):
    world, math, russian, oral = measured
    client.force_login(world.deputy.user)
    response = client.get(reverse("journal:deadline_control") + "?date_from=2026-12-07&date_to=2026-12-07")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Математикова Галина" in page and "Классова Жанна" in page
    overview = response.context["overview"]
    assert (overview.total.on_time, overview.total.late, overview.total.missing) == (0, 1, 2)
    # The list behind "missing" for the math teacher.
    url = (
        reverse("journal:deadline_details")
        + f"?date_from=2026-12-07&date_to=2026-12-07&teacher={world.teacher.pk}&state=missing"
    )
    rows = client.get(url).context["rows"]
    assert sorted(r.measure.key for r in rows) == sorted([f"lesson:{math.pk}", f"work:{oral.pk}"])


def test_bad_dates_keep_the_default_days_with_a_message(measured, client):
    world, *_ = measured
    client.force_login(world.deputy.user)
    response = client.get(reverse("journal:deadline_control") + "?date_from=2026-12-09&date_to=2026-12-01")
    assert response.status_code == 200
    assert "не может быть раньше" in response.content.decode() or response.context["form"].errors["date_to"]
    assert response.context["first"] == datetime.date(2026, 12, 1)  # yesterday's month (the clock: 9 Dec)


def test_the_workbook_lists_late_and_missing_and_runs_no_formula(measured, client):
    world, *_ = measured
    world.teacher.last_name = '=HYPERLINK("http://evil")'
    world.teacher.save()
    client.force_login(world.deputy.user)
    response = client.get(reverse("journal:deadline_xlsx") + "?date_from=2026-12-07&date_to=2026-12-07")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    overview, late = wb.worksheets
    names = [row[0].value for row in overview.iter_rows(min_row=3)]
    evil = next(n for n in names if n and "HYPERLINK" in n)
    cell = next(c for row in overview.iter_rows(min_row=3) for c in row[:1] if c.value == evil)
    assert cell.data_type == "s" and cell.quotePrefix
    assert late.max_row == 1 + 3  # the header and the three deadlines not on time


def test_results_go_to_each_teacher_and_class_teacher_once(measured, client):
    world, *_ = measured
    client.force_login(world.deputy.user)
    data = {"date_from": "2026-12-07", "date_to": "2026-12-07"}
    assert client.post(reverse("journal:deadline_send"), data).status_code == 302
    kinds = sorted(OutboxMessage.objects.values_list("kind", "address"))
    assert kinds == [
        ("deadline_class", "rus@example.ru"),
        ("deadline_results", "math@example.ru"),
        ("deadline_results", "rus@example.ru"),
    ]
    math_letter = OutboxMessage.objects.get(kind="deadline_results", address="math@example.ru")
    assert "тема и посещаемость" in math_letter.text and "не заполнено" in math_letter.text
    client.post(reverse("journal:deadline_send"), data)
    assert OutboxMessage.objects.count() == 3


def test_the_deputy_s_weekly_summary_once_a_week(measured):
    world, *_ = measured
    assert reminders.weekly_summary(world.school, now=m(d(12, 14), 7, 30)) == 1
    assert reminders.weekly_summary(world.school, now=m(d(12, 14), 8, 30)) == 0
    letter = OutboxMessage.objects.get(kind="deadline_week")
    assert letter.address == "zavuch@example.ru" and "Математикова" in letter.text


def test_only_the_admin_saves_the_settings_and_bad_input_shows_next_to_the_field(world, client):
    client.force_login(world.admin.user)
    url = reverse("journal:deadline_settings_save")
    response = client.post(url, {"record_by": "25:00", "homework_hours": "1", "oral_days": "1", "written_days": "7",
                                 "written_days_senior": "10", "plan_days": "2", "remind_at": "08:00"})  # fmt: skip
    assert response.status_code == 200
    assert "record_by" in response.context["form"].errors
    assert (
        not DeadlineSettings.objects.filter(school=world.school).exclude(record_by=datetime.time(20)).exists()
    )
    client.force_login(world.deputy.user)
    page = client.get(reverse("journal:deadline_settings")).content.decode()
    assert "6.4.1" in page and 'action="/journal/deadlines/settings/save/"' not in page


def test_the_teacher_s_home_lists_what_is_late_and_due_today(monday, client, clock):
    world, math, _russian, oral = monday
    clock.move_to("2026-12-08 09:00")
    client.force_login(world.teacher.user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="deadlines-late"' in page and f'data-key="lesson:{math.pk}"' in page
    assert 'data-testid="deadlines-today"' in page and f'data-key="work:{oral.pk}"' in page
    # The class teacher's Russian record was late but is written: nothing owed.
    client.force_login(world.class_teacher.user)
    assert 'data-testid="deadlines-due"' not in client.get(reverse("home")).content.decode()


def test_an_afternoon_letter_reminds_of_today_s_topics_before_eight(monday, clock):
    world, math, _russian, _oral = monday
    DeadlineSettings.objects.update_or_create(
        school=world.school, defaults={"remind_at": datetime.time(16, 0)}
    )
    world.school.refresh_from_db()
    tuesday = f.make_lesson(world.math_5a, TUE, 3)
    assert reminders.remind(world.school, now=m(TUE, 15, 59)) == 0  # before the school's hour
    letters = reminders.letters_for(world.school, m(TUE, 16, 5))
    assert [line["clause"] for line in letters[world.teacher.pk]["today"]] == ["record", "marks"]  # by due
    assert reminders.remind(world.school, now=m(TUE, 16, 5)) == 1
    letter = OutboxMessage.objects.get(kind="teacher_day")
    assert "тема и посещаемость, до 20:00" in letter.text and tuesday.date.strftime("%d.%m") in letter.text
