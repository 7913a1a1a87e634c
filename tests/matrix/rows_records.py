"""Rows for the lesson record (journal/records/views.py; journal/rules.py's view_lesson, fill_lesson_record,
read_homework).

A lesson of 5А maths on 07.09.2026: the admin, director, deputy, 5А's class teacher
and the maths teacher read its page; only the maths teacher writes topic, homework,
files and remarks (the admin reads the page but writes nothing, except removing a
remark). Students and parents never reach the journal pages, but download the
homework's files of their own group. Objects of this school answer 404 to the
outsider; the operator, who has no school, is sent to the schools list.
"""

import datetime
import uuid
import weakref

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from journal.models import Homework, HomeworkAttachment, Remark
from schedule.models import ReportingPeriod
from tests import factories as f
from tests.matrix import Row

OPERATOR = {"operator": 302}
FOREIGN = {"outsider": 404}
READ = {"admin": 200, "director": 200, "deputy": 200, "teacher": 200, "class_teacher": 200}
SEP = datetime.date(2026, 9, 7)


def the_lesson(w):
    return f.make_lesson(w.math_5a, SEP, 1)


def lesson_kwargs(w):
    return {"pk": the_lesson(w).pk}


def homework(w):
    return Homework.objects.create(school=w.school, lesson=the_lesson(w), text="№ 5")


def stored_attachment(w):
    """An attachment whose file really exists (removed again when the test's world is gone)."""
    name = default_storage.save(f"homework/matrix/{uuid.uuid4().hex}.txt", ContentFile(b"task"))
    weakref.finalize(w, default_storage.delete, name)
    attachment = HomeworkAttachment.objects.create(
        school=w.school, homework=homework(w), file=name, name="Задание.txt", size=4
    )
    return {"pk": attachment.pk}


def attachment(w):
    # No file on disk: removing it deletes the file only after a commit, which a test never reaches.
    attachment = HomeworkAttachment.objects.create(
        school=w.school, homework=homework(w), file="homework/matrix/absent.pdf", name="Задание.pdf", size=1
    )
    return {"pk": attachment.pk}


def remark(w):
    remark = Remark.objects.create(
        school=w.school,
        lesson=the_lesson(w),
        student=w.student.student,
        kind=Remark.Kind.REMARK,
        text="Шумел",
        author=w.teacher,
    )
    return {"pk": remark.pk}


def course_period(w):
    the_lesson(w)
    period = ReportingPeriod.objects.get(scheme__year=w.year, scheme__kind="quarters", number=1)
    return {"course_pk": w.math_5a.pk, "period_pk": period.pk}


WRITER = {**FOREIGN, **OPERATOR}

ROWS = [
    Row("journal:lesson", kwargs=lesson_kwargs, expect={**READ, **FOREIGN, **OPERATOR}),
    Row(
        "journal:save_topic",
        method="post",
        kwargs=lesson_kwargs,
        data=lambda w: {"text": "Дроби"},
        expect={"teacher": 302, **WRITER},
    ),
    Row(
        "journal:save_homework",
        method="post",
        kwargs=lesson_kwargs,
        data=lambda w: {"text": "№ 5", "pages": "с. 10"},
        expect={"teacher": 302, **WRITER},
    ),
    Row(
        "journal:add_attachment",
        method="post",
        kwargs=lesson_kwargs,
        expect={"teacher": 200, **WRITER},
        note="no file sent: the teacher gets the form's error, nothing is written to the storage",
    ),
    Row(
        "journal:attachment",
        kwargs=stored_attachment,
        expect={**READ, "student": 200, "parent": 200, **FOREIGN, **OPERATOR},
        note="the student of 5А and their parent download the homework's files",
    ),
    Row(
        "journal:delete_attachment",
        method="post",
        kwargs=attachment,
        expect={"teacher": 302, **WRITER},
    ),
    Row(
        "journal:add_remark",
        method="post",
        kwargs=lesson_kwargs,
        data=lambda w: {"student": w.student.student.pk, "kind": "praise", "text": "Молодец"},
        expect={"teacher": 302, **WRITER},
    ),
    Row(
        "journal:delete_remark",
        method="post",
        kwargs=remark,
        expect={"teacher": 302, "admin": 302, **WRITER},
        note="its author, or the admin",
    ),
    Row("journal:lessons", kwargs=course_period, expect={**READ, **FOREIGN, **OPERATOR}),
    Row(
        "journal:fill_topics",
        method="post",
        kwargs=course_period,
        expect={"teacher": 302, **WRITER},
        note="the course's teacher; the admin reads the list but does not fill it",
    ),
]
