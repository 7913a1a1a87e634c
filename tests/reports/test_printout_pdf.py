"""The printout's PDF and XLSX (R-R-5, R-R-6): the content printed from the snapshot, in Russian."""

import io

import openpyxl
import pytest

from reports import printout_pdf, printout_xlsx, printouts
from tests.browser_fixtures import ARTIFACTS
from tests.reports import pdf_text

from .printout_fixture import build_journal, generate, sign_all

pytestmark = pytest.mark.django_db


def test_the_snapshot_holds_the_grid_topics_finals_and_attendance(world):
    period, lessons = build_journal(world)
    data = printouts.period_journal(world.class_5a, period)
    assert (data["class"], data["period"], data["year"], data["class_teacher"]) == (
        "5А",
        "1 четверть",
        "2026/2027",
        world.class_teacher.short_name,
    )
    math = next(c for c in data["courses"] if c["course_id"] == world.math_5a.pk)
    assert math["teachers"] == [world.teacher.short_name] and math["teacher_ids"] == [world.teacher.pk]
    assert [c[:2] for c in math["columns"]] == [
        ["07.09", "У"],
        ["07.09", "КР"],
        ["14.09", "У"],
        ["05.10", "У"],
    ]
    rows = {r["name"]: r for r in math["rows"]}
    zoya = rows[world.student.full_name]
    # 5/4 and 4, absent with a reason → «н», late not printed (R-J-15); (5·1+4·1+4·2)/4 = 4.25
    assert zoya["cells"] == ["5/4", "4", "н", ""] and zoya["average"] == "4,25" and zoya["final"] == "4"
    assert rows["Алексеев Антон " + rows_patronymic(rows, "Алексеев")]["cells"][3] == "3"
    assert (
        math["topics"][0] == ["07.09", 1, "Тема урока 07.09", "Упражнение с. 12, № 5"]
        and len(math["topics"]) == 3
    )
    att = data["attendance"]
    assert att["months"] == ["Сентябрь", "Октябрь"]
    by_name = {r["name"]: r["figures"] for r in att["rows"]}
    # months…, total, illness, excused, unexcused
    assert by_name[world.student.full_name] == [1, 0, 1, 1, 0, 0]
    assert att["totals"] == [2, 0, 2, 1, 0, 1]


def rows_patronymic(rows, last):
    name = next(n for n in rows if n.startswith(last))
    return name.split(" ", 2)[2]


def test_the_draft_pdf_has_russian_text_every_course_and_the_code_on_each_page(world):
    period, _ = build_journal(world)
    printout = generate(world, period)
    assert printout.render_status == "done" and printout.draft and not printout.final
    content = printout.draft.read()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "printout-draft.pdf").write_bytes(content)  # to look at (test-artifacts/ is not committed)
    text = pdf_text(content)
    for words in (
        "5А",
        "1 четверть",
        "2026/2027",
        "Математика",
        "Русский язык",
        "Тема урока 07.09",
        "Классова Жанна",
    ):
        assert words in text, words
    assert world.student.full_name in text and "Сентябрь" in text
    code = printout_pdf.pretty_code(printout.code)
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert printout.pages == len(pages) >= 4  # title, two courses, attendance
    assert all(code in p for p in pages)


def test_the_year_summary_sheet(world):
    from journal.models import FinalMark

    FinalMark.objects.create(
        school=world.school, course=world.math_5a, student=world.student.student, kind="year", value=5
    )
    FinalMark.objects.create(
        school=world.school, course=world.russian_5a, student=world.student.student, kind="year", value=4
    )
    data = printouts.year_summary(world.class_5a)
    assert [s["subject"] for s in data["subjects"]] == ["Математика", "Русский язык"]
    assert data["rows"] == [{"name": world.student.full_name, "cells": ["5", "4"], "average": "4,50"}]
    printout = generate(world, None)
    content = printout.draft.read()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "printout-year-draft.pdf").write_bytes(content)
    text = pdf_text(content)
    assert "Математика" in text and world.student.full_name in text and "4,50" in text


def test_the_xlsx_has_a_sheet_per_course(world):
    period, _ = build_journal(world)
    printout = sign_all(world, generate(world, period), upto="deputy")
    book = openpyxl.load_workbook(
        io.BytesIO(printout_xlsx.workbook(printout, list(printout.signatures.all())))
    )
    assert book.sheetnames[1:3] == ["Математика 5А", "Русский язык 5А"] and len(book.sheetnames) == 4
    rows = list(book["Математика 5А"].iter_rows(values_only=True))
    assert rows[0][2:6] == ("07.09", None, "14.09", "05.10")
    zoya = next(r for r in rows if r[1] == world.student.full_name)
    assert zoya[2:8] == ("5/4", 4, "н", None, "4,25", 4)
    title = list(book.worksheets[0].iter_rows(values_only=True))
    assert any("Завучева" in (r[1] or "") for r in title if r)
