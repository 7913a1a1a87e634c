"""No text typed by a person becomes a formula in any XLSX the journal writes (issue 14, hole 4; OWASP's CSV
injection): each export is downloaded through its view with such text in it, opened with openpyxl, and no
cell is a formula while the text reads as typed."""

import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Person
from journal.models import Homework, LessonTopic, PlanTopic
from schedule.models import Subject
from tests.reports import url as report_url
from tests.reports.printout_fixture import build_journal, generate

pytestmark = pytest.mark.django_db

LINK, SUM, DIFF, AT, TAB = '=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tимя"
NEGATIVE = "-5"


def cells(content: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def assert_inert(content: bytes, *typed: str) -> None:
    """No formula anywhere; each typed text begins a cell, character for character."""
    found = cells(content)
    formulas = [(c.coordinate, c.value) for c in found if c.data_type == "f"]
    assert not formulas, formulas
    texts = [c.value for c in found if isinstance(c.value, str)]
    for text in typed:
        assert any(value.startswith(text) for value in texts), (text, texts[:40])


def poison(world):
    """A subject, a student and a teacher whose names were typed as formulas."""
    Subject.objects.filter(pk=world.math_5a.subject_id).update(name=LINK, short_name=LINK[:20])
    Person.objects.filter(pk=world.student.pk).update(last_name=SUM)
    Person.objects.filter(pk=world.teacher.pk).update(last_name=AT)


def test_printout(world, client):
    period, lessons = build_journal(world)
    math = lessons[world.math_5a.pk]
    LessonTopic.objects.filter(lesson=math[0]).update(text=DIFF)
    LessonTopic.objects.filter(lesson=math[1]).update(text=TAB)
    Homework.objects.filter(lesson=math[0]).update(text=NEGATIVE, pages="")
    poison(world)
    printout = generate(world, period)
    client.force_login(world.class_teacher.user)
    response = client.get(reverse("reports:printout_xlsx", kwargs={"pk": printout.pk}))
    assert response.status_code == 200
    assert_inert(response.content, LINK, SUM, DIFF, TAB, NEGATIVE)


def test_report(world, client):
    period, _lessons = build_journal(world)
    poison(world)
    client.force_login(world.deputy.user)
    response = client.get(
        report_url("teacher_class_results", "report_xlsx", teacher=world.teacher.pk, period=period.pk)
    )
    assert response.status_code == 200
    assert_inert(response.content, LINK)


def test_week(world, client):
    _period, _lessons = build_journal(world)
    poison(world)
    client.force_login(world.deputy.user)
    for name, pk in (
        ("schedule:week_class_xlsx", world.class_5a.pk),
        ("schedule:week_teacher_xlsx", world.teacher.pk),
        ("schedule:week_student_xlsx", world.student.student.pk),
    ):
        response = client.get(f"{reverse(name, args=[pk])}?date=2026-09-07")
        assert response.status_code == 200, name
        assert_inert(response.content, LINK)


def test_plan(world, client):
    for n, (section, title) in enumerate(((LINK, SUM), ("", DIFF), (AT, TAB), ("", NEGATIVE)), start=1):
        PlanTopic.objects.create(
            school=world.school, course=world.math_5a, position=n, section=section, title=title, hours=n
        )
    client.force_login(world.teacher.user)
    response = client.get(reverse("journal:plan_export", args=[world.math_5a.pk]))
    assert response.status_code == 200
    assert_inert(response.content, LINK, SUM, DIFF, AT, TAB, NEGATIVE)
    hours = [c.value for c in cells(response.content) if c.column == 4 and c.row > 1]
    assert hours == [1, 2, 3, 4]  # numbers the code writes stay numbers


def test_mark_log(world, client, monkeypatch, settings, tmp_path):
    from tests.journal.test_marklog_export import built, file_url
    from tests.journal.test_marklog_report import Log

    settings.MEDIA_ROOT = tmp_path
    Log(world, monkeypatch)
    poison(world)
    export = built(world.admin)
    client.force_login(world.admin.user)
    response = client.get(file_url(export))
    assert response.status_code == 200
    assert_inert(b"".join(response.streaming_content), LINK, SUM)
