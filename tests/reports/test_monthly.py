"""The monthly activity report (issue 16, R-R-4; reports/monthly.py, reports/queries_monthly.py): the figures of
a January with the winter break, the job built once per school and month whoever runs it and however often,
a missed month caught up, the 1st in the school's own time zone, a failed build left for the next run, the
list and the downloads, and no formula from a typed name in the XLSX."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AuditEvent, DailyActivity, Person
from accounts.selectors import local_today
from journal.deadlines import services as deadlines
from journal.grid.services import ensure_default_work_types
from journal.models import DeadlineMeasure
from journal.records.services import set_homework, set_topic
from reports import monthly
from reports.models import MonthlyReport
from reports.queries_monthly import Month, monthly_activity
from schedule.models import Holiday, Substitution
from tests import factories as f
from tests.db_locks import InTransaction, finish
from tests.journal import actor, at, d
from tests.journal.test_diary_marks import put
from tests.test_xlsx_injection import AT, assert_inert

pytestmark = pytest.mark.django_db

JANUARY = Month(datetime.date(2027, 1, 1))


def came(person, *days):
    for day in days:
        DailyActivity.objects.create(
            school=person.school, person=person, day=day, roles=[], first_at=at(day), last_at=at(day)
        )


@pytest.fixture
def january(world, clock):
    """The winter break, then a fortnight of 5А's maths (one lesson taken by a substitute), topics, homework,
    marks; who came in during December and January."""
    Holiday.objects.create(
        school=world.school, year=world.year, name="Зимние каникулы", starts=d(12, 29), ends=d(1, 11)
    )
    teacher = actor(world.teacher)
    lessons = [f.make_lesson(world.math_5a, d(1, n)) for n in (12, 13, 14, 15, 19)]
    f.make_lesson(world.russian_5a, d(1, 12), 2)
    f.make_lesson(world.math_5a, d(12, 21))
    Substitution.objects.create(
        school=world.school, lesson=lessons[3], absent_teacher=world.teacher, substitute=world.substitute
    )
    kind = ensure_default_work_types(world.school)[0]
    start = clock.now
    for held in lessons[:3]:  # the journal's rows carry the moment they were written: the clock's
        clock.move_to(at(held.date, 15))
        set_topic(actor=teacher, lesson=held, text="Дроби", now=at(held.date, 15))
        if held.date < d(1, 14):
            put(world.math_5a, held.date, world.student.student, "5", kind)
    set_homework(actor=teacher, lesson=lessons[0], text="№ 12", pages="", now=at(d(1, 14), 15))
    clock.move_to(start)  # back to the test's own moment
    came(world.teacher, d(1, 12), d(1, 13), d(1, 14))
    came(world.parent, d(12, 21), d(1, 20))
    came(world.student, d(12, 22))
    return lessons


def table(data, title):
    return next(t for t in data.tables if t.title == title)


def row(t, name):
    return next(r for r in t.rows if r[0] == name)


def test_january_with_the_winter_break(world, january):
    # The nightly measures of January's deadlines (journal/deadlines): the report's on-time share.
    deadlines.measure(world.school, JANUARY.first, JANUARY.last, now=at(d(2, 1), 2))
    mine = DeadlineMeasure.objects.filter(school=world.school, teacher=world.teacher)
    on_time = round(100 * mine.filter(state="on_time").count() / mine.count(), 1)
    data, summary = monthly_activity(world.school, world.year, JANUARY)
    assert data.title == "Активность пользователей: Январь 2027"
    assert "Учебных дней по календарю уроков: 5" in data.params
    assert any("Зимние каникулы 29.12.2026 – 11.01.2027" in p for p in data.params)

    trend = table(data, "По месяцам учебного года")
    assert [r[0] for r in trend.rows] == [
        "Сентябрь 2026",
        "Октябрь 2026",
        "Ноябрь 2026",
        "Декабрь 2026",
        "Январь 2027",
    ]
    december, jan = trend.rows[-2], trend.rows[-1]
    assert jan[1:5] == [5, 6, pytest.approx(50), 2]  # school days, lessons, with a topic (3 of 6), marks
    assert december[1:3] == [1, 1]

    teachers = table(data, "Учителя")
    name = world.teacher.short_name
    # 4 lessons given, the 15th by the substitute; on time as measured
    assert row(teachers, name)[1:] == [3, 4, 3, 75, pytest.approx(on_time, abs=0.05), 2, 3, 1]
    assert row(teachers, world.substitute.short_name)[1:5] == [0, 1, 0, 0]
    assert teachers.totals[2:4] == [6, 3]

    classes = table(data, "Классы")
    five_a = row(classes, "5А")
    assert five_a[1:5] == [1, 0, -100, None]  # the student came in December only
    assert five_a[5:9] == [1, 100, 0, 1]  # the parent came in both months
    assert summary == {"school_days": 5, "teachers": "25.0", "students": "0.0", "parents": "50.0"}


@pytest.mark.now("2027-02-01 00:30")
def test_the_job_builds_each_month_once(world, january):
    assert monthly.build_due() == 2  # December (the first counted month) and January
    reports = {r.month: r for r in MonthlyReport.objects.filter(school=world.school)}
    assert sorted(reports) == [datetime.date(2026, 12, 1), datetime.date(2027, 1, 1)]
    for report in reports.values():
        assert report.built_at is not None
        assert report.pdf.read(5) == b"%PDF-"
        assert (
            openpyxl.load_workbook(io.BytesIO(report.xlsx.read())).sheetnames[0] == "По месяцам учебного года"
        )
    assert monthly.build_due() == 0
    again = {r.month: (r.built_at, r.pdf.name, r.xlsx.name) for r in MonthlyReport.objects.all()}
    assert again == {m: (r.built_at, r.pdf.name, r.xlsx.name) for m, r in reports.items()}


@pytest.mark.now("2027-01-01 00:30")
def test_a_missed_month_is_built_by_the_next_run(world, january, clock):
    assert monthly.build_due() == 1  # December
    clock.move_to("2027-03-05 09:00")  # the worker was down on 1 February
    assert monthly.build_due() == 2
    months = sorted(MonthlyReport.objects.values_list("month", flat=True))
    assert months == [datetime.date(2026, 12, 1), datetime.date(2027, 1, 1), datetime.date(2027, 2, 1)]


@pytest.mark.now("2027-06-20 09:00")
def test_the_summer_still_finds_the_years_last_months(world, january):
    year, months = monthly.due_months(world.school, datetime.date(2027, 9, 1))
    assert year == world.year and months[-1].first == datetime.date(2027, 5, 1)


@pytest.mark.now("2027-01-31 22:30")  # Moscow; 05:30 on 1 February in Vladivostok
def test_the_first_is_the_schools_own(world, january):
    assert [m.first for m in monthly.due_months(world.school, local_today(world.school))[1]] == [
        datetime.date(2026, 12, 1)
    ]
    world.school.timezone = "Asia/Vladivostok"
    world.school.save()
    assert monthly.build_due() == 2
    assert MonthlyReport.objects.filter(month=datetime.date(2027, 1, 1)).exists()


@pytest.mark.now("2027-02-01 00:30")
def test_a_failed_build_leaves_the_month_for_the_next_run(world, january, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker  # the files cannot be written
    with pytest.raises(OSError):
        monthly.build_due()
    assert not MonthlyReport.objects.filter(built_at__isnull=False).exists()
    settings.MEDIA_ROOT = tmp_path / "media"
    assert monthly.build_due() == 2


@pytest.mark.now("2027-02-01 00:30")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_build_once(world, january, clock):
    """The second worker finds the month locked by the first, mid-build, and skips it without waiting."""
    clock.move_to("2027-02-01 00:30")
    # A run's insert of the row commits on its own, before the build's transaction.
    MonthlyReport.objects.create(school=world.school, month=JANUARY.first)

    def build():
        return monthly.build_month(world.school, world.year, JANUARY)

    first = InTransaction(build, hold=True)
    first.start()
    try:
        assert first.holding.wait(60) and first.error is None, first.error
        second = InTransaction(build)
        second.start()
        finish(second)  # it does not wait for the first: it skips the locked month
        assert second.error is None and second.result is None
    finally:
        first.release.set()
        finish(first)
    assert first.error is None and first.result is not None
    assert MonthlyReport.objects.filter(month=JANUARY.first, built_at__isnull=False).count() == 1
    assert monthly.build_month(world.school, world.year, JANUARY) is None  # built: nothing to do


@pytest.fixture
def built(world, january, clock):
    clock.move_to("2027-02-01 00:30")
    monthly.build_due()
    clock.move_to("2027-02-03 10:00")
    return MonthlyReport.objects.get(school=world.school, month=JANUARY.first)


def test_the_list_and_the_downloads(world, built, client):
    client.force_login(world.director.user)
    index = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:monthly") in index
    page = client.get(reverse("reports:monthly")).content.decode()
    assert "Январь 2027" in page and "Декабрь 2026" in page
    assert "50,0 %" in page  # the parents who came in, in the site's language
    pdf = client.get(reverse("reports:monthly_pdf", args=[built.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert pdf["Content-Disposition"].startswith('attachment; filename="activity-')
    xlsx = client.get(reverse("reports:monthly_xlsx", args=[built.pk]))
    assert xlsx.status_code == 200 and xlsx["Cache-Control"] == "no-store"


def test_a_teacher_sees_no_link(world, built, client):
    client.force_login(world.teacher.user)
    assert reverse("reports:monthly") not in client.get(reverse("reports:index")).content.decode()


def test_another_schools_report_answers_404_and_is_audited(world, other_world, built, client):
    client.force_login(other_world.director.user)
    for name in ("reports:monthly_pdf", "reports:monthly_xlsx"):
        assert client.get(reverse(name, args=[built.pk])).status_code == 404
    probes = AuditEvent.objects.filter(action="probe_other_school", actor=other_world.director.user)
    assert probes.count() == 2
    assert "Январь" not in client.get(reverse("reports:monthly")).content.decode()


@pytest.mark.now("2027-02-01 00:30")
def test_a_name_typed_as_a_formula_stays_text(world, january):
    Person.objects.filter(pk=world.teacher.pk).update(last_name=AT)
    monthly.build_due()
    report = MonthlyReport.objects.get(month=JANUARY.first)
    assert_inert(report.xlsx.read(), AT)
