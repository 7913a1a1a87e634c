"""The report framework: the index, the report page with its parameters form, the XLSX and PDF downloads,
who may open what (reports/rules.py), bad input, and the pinned query counts of every report page."""

import datetime
import io
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.actor import load_actor
from reports import render, rules
from reports.catalog import reports
from reports.tables import Column, ReportData, Table
from schedule.models import ReportingPeriod
from tests import factories as f
from tests.browser_fixtures import ARTIFACTS
from tests.reports import class_fixture, pdf_text, url

D = datetime.date
pytestmark = pytest.mark.django_db
CLASS_CODES = [s.code for s in reports().values() if s.audience == "class_teacher"]


@pytest.fixture
def cw(world):
    return class_fixture.build(world)


def q1(world):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)


def test_index_lists_reports_by_audience(login, world):
    page = login(world.class_teacher).get(reverse("reports:index")).content.decode()
    assert 'data-testid="rp-group-class_teacher"' in page
    assert 'data-testid="rp-group-leadership"' not in page
    for code in CLASS_CODES:
        assert f'data-report="{code}"' in page
    plain = login(world.teacher).get(reverse("reports:index")).content.decode()
    assert 'data-testid="rp-group-class_teacher"' not in plain
    deputy = login(world.deputy).get(reverse("reports:index")).content.decode()
    assert 'data-testid="rp-group-class_teacher"' in deputy


@pytest.mark.parametrize("role", ["student", "parent"])
def test_families_have_no_reports(login, world, role):
    assert login(getattr(world, role)).get(reverse("reports:index")).status_code == 403
    assert login(getattr(world, role)).get(url("class_results")).status_code == 403


def test_report_page_defaults_to_own_class_and_shows_the_figures(login, world, cw):
    response = login(world.class_teacher).get(url("class_results", period=cw.q1.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="rp-table"' in page
    assert "Математика" in page and "83,3" in page and "85,7" in page and "3,77" in page
    assert f'<option value="{world.class_5a.pk}" selected>' in page
    assert f'value="{world.class_6b.pk}"' not in page  # only the own class is offered
    assert url("class_results", "report_xlsx").split("?")[0] in page


def test_class_teacher_cannot_run_another_class(login, world, cw):
    response = login(world.class_teacher).get(url("class_results", **{"class": world.class_6b.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="rp-error-class"' in page and 'data-testid="rp-table"' not in page


def test_teacher_without_a_class_gets_403(login, world):
    assert login(world.teacher).get(url("class_results")).status_code == 403
    assert login(world.teacher).get(url("class_results", **{"class": world.class_5a.pk})).status_code == 403


def test_deputy_runs_any_class(login, world, cw):
    response = login(world.deputy).get(
        url("class_results", **{"class": world.class_6b.pk, "period": cw.q1.pk})
    )
    assert response.status_code == 200 and 'data-testid="rp-table"' in response.content.decode()


@pytest.mark.parametrize(
    "query,field",
    [
        ({"class": "999999999"}, "class"),
        ({"class": "abc"}, "class"),
        ({"period": "999999999"}, "period"),
        ({"period": "half"}, "period"),
    ],
)
def test_bad_parameters_are_refused_next_to_the_field(login, world, cw, query, field):
    for kind in ("report", "report_xlsx", "report_pdf"):
        response = login(world.deputy).get(url("class_results", kind, **query))
        assert response.status_code == 200
        page = response.content.decode()
        assert f'data-testid="rp-error-{field}"' in page and 'data-testid="rp-table"' not in page


def test_period_of_another_year_or_grade_is_refused(login, world, cw):
    other_year = f.make_year(world.school, 2025)
    old = ReportingPeriod.objects.filter(scheme__year=other_year).first()
    page = login(world.deputy).get(url("class_results", period=old.pk)).content.decode()
    assert 'data-testid="rp-error-period"' in page
    half = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="halves", number=1)
    page = login(world.deputy).get(url("class_results", **{"class": world.class_5a.pk, "period": half.pk}))
    assert 'data-testid="rp-error-period"' in page.content.decode()


def test_dates_reversed_or_outside_the_year_are_refused(login, world, cw):
    page = login(world.class_teacher).get(
        url("student_movement", **{"from": "2026-10-10", "to": "2026-10-01"})
    )
    assert 'data-testid="rp-error-to"' in page.content.decode()
    page = login(world.class_teacher).get(
        url("student_movement", **{"from": "2025-10-10", "to": "2026-10-01"})
    )
    assert 'data-testid="rp-error-from"' in page.content.decode()
    page = login(world.class_teacher).get(url("student_movement", **{"from": "10.13.2026"}))
    assert 'data-testid="rp-error-from"' in page.content.decode()
    ok = login(world.class_teacher).get(url("student_movement", **{"from": "01.09.2026", "to": "2026-10-24"}))
    assert 'data-testid="rp-table"' in ok.content.decode()


def test_objects_of_another_school_answer_404(login, world, other_world, cw):
    c = login(world.deputy)
    assert c.get(url("class_results", **{"class": other_world.class_5a.pk})).status_code == 404
    assert c.get(url("class_results", period=q1(other_world).pk)).status_code == 404
    outsider = login(other_world.admin)
    assert outsider.get(url("class_results", "report_pdf", **{"class": world.class_5a.pk})).status_code == 404


def test_unknown_report_code_is_404(login, world):
    assert login(world.deputy).get("/reports/no_such_report/").status_code == 404


def test_rules_and_their_querysets_agree(world):
    from accounts.models import Role

    for person in (world.admin, world.deputy, world.class_teacher, world.teacher, world.other_teacher):
        actor = load_actor(person.user, world.school.pk)
        visible = set(rules.classes_visible_to(actor, world.year))
        for school_class in (world.class_5a, world.class_6b):
            p = type("P", (), {"school_class": school_class})
            assert rules.view_class_report(actor, p) == (school_class in visible), (person, school_class)
    student = load_actor(world.student.user, world.school.pk)
    assert Role.STUDENT in student.roles and not rules.open_reports(student)


# The three renderers: the same figures, the Russian text


def test_xlsx_and_pdf_carry_the_same_figures(login, world, cw):
    c = login(world.class_teacher)
    query = {"period": cw.q1.pk}
    xlsx = c.get(url("class_results", "report_xlsx", **query))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert "attachment" in xlsx["Content-Disposition"]
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == world.school.name
    math = next(r for r in values if r[0] == "Математика")
    assert math[:10] == ["Математика", 6, 6, 1, 1, 3, 1, 83.3, 33.3, 3.33]
    total = next(r for r in values if r[1] == 14)
    assert total[1:10] == [14, 13, 4, 3, 5, 1, 85.7, 50.0, 3.77]
    assert ws.freeze_panes is not None
    assert any(r.width for r in ws.column_dimensions.values())
    number_cell = next(c for row in ws.iter_rows() for c in row if c.value == 83.3)
    assert number_cell.number_format == "0.0"

    pdf = c.get(url("class_results", "report_pdf", **query))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    for expected in ("Математика", "Английский язык", "83,3", "85,7", "3,77", world.school.name, "Классова"):
        assert expected in text, expected


def test_wide_report_is_landscape_with_signers(login, world, cw):
    pdf = login(world.class_teacher).get(url("summary_attendance", "report_pdf"))
    text = pdf_text(pdf.content)
    assert "Ученикова" in text and "Классова" in text and "1/1" in text.replace(" ", "")
    info = subprocess.run(
        ["pdfinfo", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    width, height = [float(x) for x in info.split("Page size:")[1].split("pts")[0].split("x")]
    assert width > height


@pytest.mark.parametrize("code", CLASS_CODES)
def test_every_class_report_renders_three_ways(login, world, cw, code):
    c = login(world.class_teacher)
    page = c.get(url(code, period=cw.q1.pk) if "period" in reports()[code].params else url(code))
    assert page.status_code == 200 and 'data-testid="rp-table"' in page.content.decode()
    query = {"period": cw.q1.pk} if "period" in reports()[code].params else {}
    xlsx = c.get(url(code, "report_xlsx", **query))
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames
    expected = {"class_results": "Математика", "student_movement": "Григорьева"}.get(code, "Ученикова")
    pdf = c.get(url(code, "report_pdf", **query)).content
    assert expected in pdf_text(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"reports_{code}.pdf").write_bytes(pdf)  # looked at by eye, rendered to PNG


def test_renderers_format_none_decimals_and_grouped_headers():
    table = Table(
        "T",
        [Column("Ученик"), Column("5", "int", "Итоги"), Column("4", "int", "Итоги"), Column("%", "percent")],
        [["Иванов", 1, None, Decimal("12.5")]],
        ["Всего", 1, 0, None],
    )
    (html,) = render.html_tables(ReportData("x", "X", tables=[table]))
    assert [[(h.title, h.colspan, h.rowspan) for h in row] for row in html.head] == [
        [("Ученик", 1, 2), ("Итоги", 2, 1), ("%", 1, 2)],
        [("5", 1, 1), ("4", 1, 1)],
    ]
    assert [v for v, _css in html.rows[0]] == ["Иванов", "1", "—", "12,5"]  # Russian decimal comma
    assert html.rows[0][2][1] == "num none"


# Query counts: pinned per report, the same for a class of 7 and of 19 students.


@pytest.mark.parametrize("code", CLASS_CODES)
def test_report_page_query_count_does_not_grow(login, world, cw, code, django_assert_num_queries):
    c = login(world.deputy)
    target = url(
        code,
        **(
            {"class": world.class_5a.pk, "period": cw.q1.pk}
            if "period" in reports()[code].params
            else {"class": world.class_5a.pk}
        ),
    )
    c.get(target)  # sessions, settings rows created on first use
    expected = PINNED[code]
    with django_assert_num_queries(expected):
        assert c.get(target).status_code == 200
    class_fixture.grow(world)
    with django_assert_num_queries(expected):
        assert c.get(target).status_code == 200


PINNED = {
    # session user, the person (actor), the year, the classes offered, the periods offered, then the report's own
    "class_attendance": 6,  # + students, attendance
    "class_preliminary": 9,  # + courses, students, journal settings, marks' sums, attendance
    "class_final": 8,  # + courses, students, finals per student, attendance
    "class_results": 6,  # + courses, finals per subject
    "summary_progress": 7,  # + courses, students, finals sheet
    "summary_attendance": 6,  # (no period offered) + periods of the grade, students, attendance
    "student_movement": 5,  # (no period offered) + counts, arrivals and departures
}


def test_pdf_footer_text_cannot_break_out_of_the_style_element():
    assert render.css_string('Школа «7» "x" </style>') == "Школа «7» \\22 x\\22  \\3c /style\\3e "


@pytest.mark.parametrize("code", list(reports()))
def test_every_report_of_the_catalogue_renders_for_the_deputy(login, world, cw, code):
    """The class teacher's, the subject teacher's and the administration's reports, with their defaults."""
    c = login(world.deputy)
    page = c.get(url(code))
    assert page.status_code == 200 and 'data-testid="rp-table"' in page.content.decode(), code
    assert load_workbook(io.BytesIO(c.get(url(code, "report_xlsx")).content)).sheetnames
    assert c.get(url(code, "report_pdf")).content.startswith(b"%PDF")


def test_html_table_escapes_every_text():
    table = Table('<b>"T"</b>', [Column("<i>Ученик</i>"), Column("n", "int")], [["<script>x</script>", 1]])
    (html,) = render.html_tables(ReportData("x", "X", tables=[table]))
    out = html.screen_html
    assert "<script>" not in out and "&lt;script&gt;x&lt;/script&gt;" in out
    assert "&lt;i&gt;Ученик&lt;/i&gt;" in out and '<td class="num">1</td>' in out
    assert "<colgroup>" in html.print_html and "<colgroup>" not in out


def test_the_index_leads_the_leadership_to_the_printouts(login, world):
    for person, shown in (
        (world.deputy, True),
        (world.director, True),
        (world.admin, True),
        (world.teacher, False),
    ):
        page = login(person).get(reverse("reports:index")).content.decode()
        assert ('data-testid="printouts-link"' in page) is shown, person


def selected_period(page: str) -> str:
    import re

    select = re.search(r'<select name="period".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="(\d+)" selected>', select).group(1)


@pytest.mark.parametrize(
    "code, expected",
    [("class_results", "q1"), ("class_final", "q1"), ("summary_progress", "q1"), ("class_attendance", "q2")],
)
@pytest.mark.now("2026-11-20")
def test_reports_of_finals_open_on_the_last_period_ended(login, world, cw, code, expected):
    """On 20 November the first quarter has ended (its finals are in) and the second is under way."""
    page = login(world.class_teacher).get(url(code)).content.decode()
    q2 = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=2)
    assert selected_period(page) == str({"q1": cw.q1.pk, "q2": q2.pk}[expected])
