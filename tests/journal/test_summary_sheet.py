"""The printable summary sheet (R-D-5): its figures against the journal, the pages, the PDFs, the query counts."""

import datetime
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from journal.diary.summary import Scope, class_sheets, default_range, student_sheet
from journal.diary.summary_forms import RangeForm
from journal.grid import services
from journal.models import Attendance, Cell, Work
from schedule.models import GroupMembership, StudyGroup
from tests import factories as f

from . import d, lesson

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI, SUN = d(10, 12), d(10, 13), d(10, 14), d(10, 15), d(10, 16), d(10, 18)
TODAY = d(12, 3)
WEEK = Scope(MON, SUN, TODAY)
RANGE = "?from=2026-10-12&to=2026-10-18"


def mark(the_lesson, person, marks, *, excluded=(), owed=False, code="У"):
    types = {t.code: t for t in services.ensure_default_work_types(the_lesson.school)}
    position = Work.objects.filter(lesson=the_lesson).count() + 1
    work = Work.objects.create(
        school=the_lesson.school, lesson=the_lesson, work_type=types[code], position=position
    )
    return Cell.objects.create(
        school=the_lesson.school,
        work=work,
        student=person.student,
        marks=list(marks),
        excluded=list(excluded),
        owed=owed,
    )


def attendance(the_lesson, person, status="absent", reason=""):
    return Attendance.objects.create(
        school=the_lesson.school, lesson=the_lesson, student=person.student, status=status, reason=reason
    )


@pytest.fixture
def journal(world):
    """The week of 12–18 October 2026 in 5А.

    Зоя: maths on Mon, Tue, Wed (Thursday's was cancelled), Russian on Mon and Fri, English (her
    subgroup) on Tue. Marks: 5/4 on Mon (maths), (2)/4 on Wed — a retake — and owed work in Russian on
    Fri; absent from maths on Tue (illness) and Russian on Mon (no reason yet), late to maths on Wed.
    Пётр joins 5А on Wednesday: maths on Wed and Russian on Fri only; not in the English subgroup.
    Not counted: a cancelled lesson's mark and absence, lessons of the weeks before and after.
    """
    english = f.make_subject(world.school, "Английский язык", "Англ. яз.")
    group = StudyGroup.objects.create(
        school=world.school, year=world.year, kind="subgroup", name="5А англ. 1", grade=5,
        school_class=world.class_5a,
    )  # fmt: skip
    GroupMembership.objects.create(
        school=world.school, student=world.student.student, group=group, starts=world.year.starts
    )
    english_5a = f.make_course(group, english, world.other_teacher)
    newcomer = f.make_person(
        world.school, roles=[Role.STUDENT], last_name="Новиков", first_name="Пётр", patronymic="Ильич"
    )
    f.enroll(newcomer, world.class_5a, starts=WED)

    math_mon = lesson(world.math_5a, MON, 1)
    math_tue = lesson(world.math_5a, TUE, 1)
    math_wed = lesson(world.math_5a, WED, 2)
    math_thu = lesson(world.math_5a, THU, 1, status="cancelled")
    russian_mon = lesson(world.russian_5a, MON, 2)
    russian_fri = lesson(world.russian_5a, FRI, 1)
    lesson(english_5a, TUE, 3)
    before = lesson(world.math_5a, d(10, 9), 1)
    after = lesson(world.math_5a, d(10, 19), 1)

    mark(math_mon, world.student, [5, 4])
    mark(math_wed, world.student, [2, 4], excluded=[0], code="КР")
    mark(russian_fri, world.student, [], owed=True)
    mark(math_thu, world.student, [3])
    mark(before, world.student, [2])
    mark(after, world.student, [2])
    mark(math_wed, newcomer, [5])
    attendance(math_tue, world.student, reason="illness")
    attendance(russian_mon, world.student)
    attendance(math_wed, world.student, status="late")
    attendance(math_thu, world.student)
    attendance(before, world.student, reason="unexcused")
    attendance(russian_fri, newcomer, reason="excused")
    return {"english": english_5a, "newcomer": newcomer}


def by_subject(sheet):
    return {r.subject: r for r in sheet.rows}


def test_the_figures_of_a_student_against_the_journal(world, journal):
    sheet = student_sheet(world.student.student, WEEK)
    rows = by_subject(sheet)
    assert list(rows) == ["Английский язык", "Математика", "Русский язык"]  # by subject order, then name
    math, russian, english = rows["Математика"], rows["Русский язык"], rows["Английский язык"]
    assert (
        math.counts.held,
        math.counts.marks,
        math.counts.absent,
        math.counts.illness,
        math.counts.late,
    ) == (
        3,
        4,
        1,
        1,
        1,
    )
    assert [(m.date, m.text, m.type_code) for m in math.marks] == [(MON, "5/4", "У"), (WED, "(2)/4", "КР")]
    assert (russian.counts.held, russian.counts.marks, russian.counts.absent, russian.counts.no_reason) == (
        2,
        0,
        1,
        1,
    )
    assert [m.text for m in russian.marks] == ["•"]
    assert (english.counts.held, english.counts.marks, english.counts.absent) == (1, 0, 0)
    t = sheet.totals
    assert (t.held, t.marks, t.absent, t.illness, t.excused, t.unexcused, t.no_reason, t.late) == (
        6,
        4,
        2,
        1,
        0,
        0,
        1,
        1,
    )
    assert [code for code, _name in sheet.work_types] == ["У", "КР"]  # the legend: kinds used, in their order


def test_a_student_who_joined_mid_week_counts_from_that_day(world, journal):
    sheets = {s.pk: s for s in class_sheets(world.class_5a, WEEK)}
    newcomer = sheets[journal["newcomer"].student.pk]
    rows = by_subject(newcomer)
    assert list(rows) == ["Математика", "Русский язык"]  # not in the English subgroup
    assert rows["Математика"].counts.held == 1  # Wednesday; Thursday's was cancelled
    assert rows["Русский язык"].counts.held == 1
    assert (rows["Русский язык"].counts.absent, rows["Русский язык"].counts.excused) == (1, 1)
    assert [m.text for m in rows["Математика"].marks] == ["5"]
    # The class's list: everyone enrolled on some day of the range, by name; Зоя's figures as on her own.
    assert [s.full_name for s in sheets.values()] == ["Новиков Пётр Ильич", world.student.full_name]
    assert sheets[world.student.student.pk].totals == student_sheet(world.student.student, WEEK).totals


def test_lessons_after_today_are_not_held_yet(world, journal):
    # "Today" is the Tuesday: Wednesday's and Friday's lessons are not held yet; their rows still exist.
    sheet = student_sheet(world.student.student, Scope(MON, SUN, TUE))
    rows = by_subject(sheet)
    assert (rows["Математика"].counts.held, rows["Русский язык"].counts.held) == (2, 1)
    assert sheet.totals.held == 4


def test_another_range_and_a_student_of_another_class(world, journal):
    sheet = student_sheet(world.student.student, Scope(d(10, 5), d(10, 11), TODAY))
    assert sheet.totals.held == 1 and sheet.totals.marks == 1 and sheet.totals.unexcused == 1
    assert student_sheet(world.other_student.student, WEEK).rows == []


@pytest.mark.parametrize(
    "today, monday",
    [
        (d(10, 12), d(10, 5)),  # Monday: the past week
        (d(10, 15), d(10, 5)),  # Thursday: still the past week
        (d(10, 16), d(10, 12)),  # Friday: the week that ends
        (d(10, 18), d(10, 12)),  # Sunday
    ],
)
def test_the_default_range_is_a_school_week(today, monday):
    assert default_range(today) == (monday, monday + datetime.timedelta(days=6))


@pytest.mark.parametrize(
    "data, field",
    [
        ({"from": "2026-10-18", "to": "2026-10-12"}, "to"),  # reversed
        ({"from": "2026-09-01", "to": "2027-09-02"}, "to"),  # longer than a year
        ({"from": "2026-13-45", "to": "2026-10-18"}, "from"),  # no such date
        ({"from": "9999-12-30"}, "from"),  # a week from then is past the calendar
    ],
)
def test_bad_ranges_are_refused_next_to_the_field(data, field):
    form = RangeForm(data, today=TODAY)
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_one_date_means_the_week_from_or_to_it():
    form = RangeForm({"from": "12.10.2026"}, today=TODAY)  # the Russian way of typing dates works too
    assert form.is_valid() and (form.scope().starts, form.scope().ends) == (MON, SUN)
    form = RangeForm({"to": "2026-10-18"}, today=TODAY)
    assert form.is_valid() and (form.scope().starts, form.scope().ends) == (MON, SUN)
    form = RangeForm({"from": "2026-09-01", "to": "2027-08-31"}, today=TODAY)  # a whole year is fine
    assert form.is_valid()


# The pages


def test_the_student_page_shows_the_figures(world, journal, login):
    response = login(world.parent).get(reverse("diary:summary", args=[world.student.student.pk]) + RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    math = world.math_5a.pk
    assert (
        f'data-course="{math}" data-held="3" data-marks="4" data-absent="1" data-illness="1" '
        'data-excused="0" data-unexcused="0" data-no-reason="0" data-late="1"'
    ) in html
    assert 'data-testid="summary-total" data-held="6" data-marks="4" data-absent="2" data-late="1"' in html
    assert "(2)/4" in html and "5/4" in html
    pdf = reverse("diary:summary_pdf", args=[world.student.student.pk]) + RANGE
    assert f'href="{pdf}"'.replace("&", "&amp;") in html
    assert 'data-tab="summary"' in html


def test_the_default_page_is_the_past_week(world, login):
    response = login(world.student).get(reverse("diary:summary", args=[world.student.student.pk]))
    monday, sunday = response.context["scope"].starts, response.context["scope"].ends
    assert (monday, sunday) == default_range(response.context["scope"].today)


def test_a_bad_range_shows_the_error_and_no_table(world, journal, login):
    client = login(world.class_teacher)
    url = reverse("diary:summary", args=[world.student.student.pk])
    response = client.get(url + "?from=2026-10-18&to=2026-10-12")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-to"' in html and 'data-testid="summary-table"' not in html
    assert 'value="2026-10-18"' in html  # what was typed stays in the field
    # The PDF of a bad range goes back to the page, which says what is wrong.
    response = client.get(reverse("diary:summary_pdf", args=[world.student.student.pk]) + "?from=x")
    assert response.status_code == 302 and response["Location"] == url + "?from=x"
    response = client.get(reverse("diary:class_summary_pdf", args=[world.class_5a.pk]) + "?to=2026-99-01")
    assert response.status_code == 302
    assert response["Location"] == reverse("diary:class_summary", args=[world.class_5a.pk]) + "?to=2026-99-01"


def test_a_stranger_gets_404_even_for_a_bad_range(world, login):
    response = login(world.other_parent).get(
        reverse("diary:summary_pdf", args=[world.student.student.pk]) + "?from=x"
    )
    assert response.status_code == 404


def test_the_class_page_lists_every_student_with_totals_and_links(world, journal, login):
    response = login(world.class_teacher).get(
        reverse("diary:class_summary", args=[world.class_5a.pk]) + RANGE
    )
    assert response.status_code == 200
    html = response.content.decode()
    zoya, petr = world.student.student.pk, journal["newcomer"].student.pk
    assert (
        f'data-student="{zoya}" data-held="6" data-marks="4" data-absent="2" data-late="1" data-no-reason="1"'
        in html
    )
    assert (
        f'data-student="{petr}" data-held="2" data-marks="1" data-absent="1" data-late="0" data-no-reason="0"'
        in html
    )
    assert 'data-testid="class-total" data-held="8" data-marks="5" data-absent="3" data-late="1"' in html
    assert html.index("Новиков Пётр Ильич") < html.index("Ученикова Зоя")
    for name in ("diary:summary", "diary:summary_pdf"):
        assert (reverse(name, args=[zoya]) + RANGE).replace("&", "&amp;") in html
    assert (reverse("diary:class_summary_pdf", args=[world.class_5a.pk]) + RANGE).replace(
        "&", "&amp;"
    ) in html


# The PDFs: rendered by WeasyPrint and read back


def pdf_pages(content: bytes, tmp_path) -> list[str]:
    assert content.startswith(b"%PDF")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def ru(msgid: str) -> str:
    with translation.override("ru"):
        return translation.gettext(msgid)


def test_the_student_pdf_reads_back_with_the_figures(world, journal, login, tmp_path):
    response = login(world.parent).get(reverse("diary:summary_pdf", args=[world.student.student.pk]) + RANGE)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    (page,) = pdf_pages(response.content, tmp_path)
    assert world.school.name in page
    assert ru("Summary sheet of progress and attendance") in page
    assert world.student.full_name in page and "5А" in page and "12.10.2026" in page and "18.10.2026" in page
    rows = {
        line.split()[1]: line.split()
        for line in page.splitlines()
        if line.split()[:1] in (["1"], ["2"], ["3"])
    }
    # № · subject · lessons held · marks with their dates and kinds · lessons missed · times late
    assert rows["Английский"] == ["1", "Английский", "язык", "1", "—", "—", "—"]
    assert rows["Математика"] == [
        "2",
        "Математика",
        "3",
        "5/4",
        "12.10",
        "У",
        "(2)/4",
        "14.10",
        "КР",
        "1",
        "1",
    ]
    assert rows["Русский"] == ["3", "Русский", "язык", "2", "•", "16.10", "У", "1", "—"]
    (total,) = [line.split() for line in page.splitlines() if line.split()[:1] == [ru("Total")]]
    assert total[1] == "6" and total[2] == "4" and total[-2:] == ["2", "1"]
    assert "Классова Ж." in page  # the class teacher's name on the signature line
    assert ru("I have read the summary sheet: parent") in page
    assert "Математикова" not in page and "Новиков" not in page  # nobody else's name


def test_the_class_pdf_has_a_page_per_student(world, journal, login, tmp_path):
    response = login(world.deputy).get(reverse("diary:class_summary_pdf", args=[world.class_5a.pk]) + RANGE)
    assert response.status_code == 200
    pages = pdf_pages(response.content, tmp_path)
    assert len(pages) == 2
    assert "Новиков Пётр Ильич" in pages[0] and "Ученикова Зоя" not in pages[0]
    assert "Ученикова Зоя" in pages[1] and "Новиков" not in pages[1]
    for page in pages:
        assert ru("Summary sheet of progress and attendance") in page and "Классова Ж." in page
    # Each sheet goes to one family: the footer names the student instead of numbering the class's pages.
    assert pages[0].count("Новиков Пётр Ильич") == 2 and "/ 2" not in pages[0]


# Query counts: fixed, whatever the class size


def add_students(world, n):
    """`n` more students of 5А, each with a mark and an absence at Monday's maths lesson."""
    the_lesson = lesson(world.math_5a, MON, 4)
    for i in range(n):
        person = f.make_person(world.school, roles=[Role.STUDENT], login=False, last_name=f"Ученик{i:02d}")
        f.enroll(person, world.class_5a)
        mark(the_lesson, person, [4])
        attendance(the_lesson, person, status="late")


@pytest.mark.parametrize("more", [1, 29])
def test_the_class_page_and_pdf_take_a_fixed_number_of_queries(
    world, journal, login, django_assert_num_queries, more
):
    add_students(world, more)
    client = login(world.class_teacher)
    url = reverse("diary:class_summary", args=[world.class_5a.pk]) + RANGE
    client.get(url)  # the session and the actor's roles are warm, as in a real request after the first
    with django_assert_num_queries(CLASS_PAGE_QUERIES):
        response = client.get(url)
    assert len(response.context["students"]) == more + 2
    with django_assert_num_queries(CLASS_PAGE_QUERIES):
        response = client.get(reverse("diary:class_summary_pdf", args=[world.class_5a.pk]) + RANGE)
    assert response.status_code == 200


@pytest.mark.parametrize("more", [1, 29])
def test_the_student_page_takes_a_fixed_number_of_queries(
    world, journal, login, django_assert_num_queries, more
):
    add_students(world, more)
    client = login(world.parent)
    url = reverse("diary:summary", args=[world.student.student.pk]) + RANGE
    client.get(url)
    with django_assert_num_queries(STUDENT_PAGE_QUERIES):
        client.get(url)


# The actor's person; the class; its students; the sheets: held lessons, marks, absences, subjects, work types.
CLASS_PAGE_QUERIES = 8
# The actor's person; the student, their class and the parent's children (the diary frame); the sheet (five).
STUDENT_PAGE_QUERIES = 10


# In a real Chromium: a phone reads the sheets without scrolling sideways


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_the_pages_fit_a_phone_and_a_desktop(browser, live_server, clock, world, journal, width):
    from tests.browser.test_substitution import sign_in
    from tests.browser_fixtures import browser_context, shot

    add_students(world, 4)
    context = browser_context(
        browser, clock, viewport={"width": width, "height": 740 if width == 360 else 900}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        for person, url, name in [
            (world.parent, reverse("diary:summary", args=[world.student.student.pk]), "student"),
            (world.class_teacher, reverse("diary:class_summary", args=[world.class_5a.pk]), "class"),
        ]:
            page.context.clear_cookies()
            sign_in(page, person.user)
            page.goto(f"{live_server.url}{url}{RANGE}")
            table = page.get_by_test_id("summary-table" if name == "student" else "class-summary")
            assert table.is_visible()
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} page scrolls sideways by {overflow}px at {width}px"
            shot(page, f"summary-{name}-{width}")
        # A bad range: the message next to the field, in the browser too.
        page.goto(f"{live_server.url}{url}?from=2026-10-18&to=2026-10-12")
        assert page.get_by_test_id("error-to").is_visible()
        shot(page, f"summary-error-{width}")
    finally:
        context.close()


def test_the_readers_home_page_links_each_class_to_its_sheets(world, login):
    html = login(world.deputy).get(reverse("home")).content.decode()
    assert (
        f'href="{reverse("diary:class_summary", args=[world.class_5a.pk])}" data-testid="class-summary-link"'
        in html
    )


@pytest.mark.parametrize(
    "query",
    [
        "?from=0001-01-01&to=0001-01-07",  # the first week of the calendar: no week before it
        "?from=9999-12-31&to=9999-12-31",  # the last day: no day after it
        "?to=0001-01-03",
        "?from=2026-10-12&to=2026-10-18&from=junk",
        "?from=" + "9" * 500,
    ],
)
def test_odd_dates_never_fail(world, login, query):
    client = login(world.class_teacher)
    for url in (
        reverse("diary:summary", args=[world.student.student.pk]),
        reverse("diary:class_summary", args=[world.class_5a.pk]),
    ):
        assert client.get(url + query).status_code == 200
