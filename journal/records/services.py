"""The lesson record (R-J-4, R-J-6, R-J-7): a lesson's topic, homework with attachments, remarks per student.

Every write is a keyword-only service with an explicit actor, in one transaction:
the lesson is reloaded and locked, `journal.policy.ensure_can_fill_record` decides
(who, the year and period locks, cancelled lessons, first grades, remarks not
before the lesson), then the row is written and audited. Bad input raises
`ValidationError` keyed by the form field it belongs to. The reads the lesson
page and the period's list of lessons need are in `journal.records.selectors`.
"""

from __future__ import annotations

import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit, notify
from accounts.models import Student
from journal import policy, rules
from journal.models import Homework, HomeworkAttachment, LessonTopic, PlanTopic, Remark
from journal.plans.selectors import proposed_topic
from schedule.models import Course, Lesson, ReportingPeriod, Subject
from schedule.selectors import students_of_group

MAX_FILE_SIZE = 10 * 1024 * 1024
MAX_FILES = 5
ALLOWED_EXTENSIONS = frozenset("pdf doc docx odt rtf txt xls xlsx ods ppt pptx odp jpg jpeg png gif".split())

TOPIC_MAX = LessonTopic._meta.get_field("text").max_length
TASK_MAX = Homework._meta.get_field("text").max_length
PAGES_MAX = Homework._meta.get_field("pages").max_length
REMARK_MAX = Remark._meta.get_field("text").max_length


def _locked(lesson: Lesson) -> Lesson:
    """The lesson read afresh and locked, so two writers of its record queue up (the 5-file limit holds)."""
    return (
        Lesson.objects.select_related("year", "group", "school")
        .select_for_update(of=("self",))
        .get(pk=lesson.pk)
    )


def _too_long(limit: int) -> str:
    return _("At most %(limit)d characters, please.") % {"limit": limit}


# Topic


@transaction.atomic
def set_topic(
    *, actor, lesson: Lesson, text: str, plan_topic: PlanTopic | None = None, now=None
) -> LessonTopic | None:
    """Set (or, with empty text, remove) the topic of `lesson`, linked to a topic of its course's plan."""
    lesson = _locked(lesson)
    policy.ensure_can_fill_record(actor, lesson, policy.TOPIC, now=now)
    text = (text or "").strip()
    if len(text) > TOPIC_MAX:
        raise ValidationError({"text": _too_long(TOPIC_MAX)}, code="max_length")
    if plan_topic is not None and plan_topic.course_id != lesson.course_id:
        raise ValidationError({"plan_topic": _("This topic is from another course's plan.")}, code="plan")
    topic = LessonTopic.objects.filter(lesson=lesson).first()
    old = {"text": topic.text, "plan_topic": topic.plan_topic_id} if topic else None
    if not text:
        if topic is None:
            return None
        topic.delete()
        audit.record(actor, "journal.topic_cleared", lesson, school=lesson.school, data={"old": old})
        return None
    new = {"text": text, "plan_topic": plan_topic.pk if plan_topic else None}
    if old == new:
        return topic
    topic = topic or LessonTopic(school=lesson.school, lesson=lesson)
    topic.text, topic.plan_topic = text, plan_topic
    topic.updated_by, topic.updated_at = _user(actor), timezone.now()
    topic.save()
    audit.record(
        actor, "journal.topic_set", lesson, school=lesson.school, summary=text, data={"old": old, "new": new}
    )
    return topic


def _user(actor):
    user = getattr(actor, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


@transaction.atomic
def fill_topics_from_plan(*, actor, course: Course, period: ReportingPeriod, now=None) -> int:
    """Give every lesson of `course` in `period` without a topic (not cancelled) its proposed plan topic.

    Lessons the actor may not fill (another teacher's, say) are skipped; when none
    could be filled, the first refusal is raised. One audit entry, naming each lesson's
    topic before and after (as `journal.topic_set` does), so a rollback can put each back;
    answers how many lessons got a topic.
    """
    lessons = list(
        Lesson.objects.filter(course=course, period=period, topic__isnull=True)
        .exclude(status=Lesson.Status.CANCELLED)
        .select_related("year", "group", "school")
        .select_for_update(of=("self",))
        .order_by("date", "starts")
    )
    filled, refusals = [], []
    for lesson in lessons:
        try:
            policy.ensure_can_fill_record(actor, lesson, policy.TOPIC, now=now)
        except (PermissionDenied, ValidationError) as exc:
            refusals.append(exc)
            continue
        planned = proposed_topic(lesson)
        if planned is None:
            break
        LessonTopic.objects.create(
            school=lesson.school,
            lesson=lesson,
            text=planned.title,
            plan_topic=planned,
            updated_by=_user(actor),
        )
        # Only lessons without a topic are filled: the topic before is none.
        filled.append(
            {"lesson": lesson.pk, "old": None, "new": {"text": planned.title, "plan_topic": planned.pk}}
        )
    if not filled and refusals:
        raise refusals[0]
    if filled:
        audit.record(
            actor,
            "journal.topics_filled_from_plan",
            course,
            school=course.school,
            data={"period": period.pk, "topics": filled},
        )
    return len(filled)


# Homework


def _ensure_due_lesson(lesson: Lesson, due: Lesson | None) -> None:
    if due is None:
        return
    later = due.date > lesson.date or (due.date == lesson.date and due.starts > lesson.starts)
    if due.course_id != lesson.course_id or not later:
        raise ValidationError(
            {"due_lesson": _("Choose a later lesson of the same course.")}, code="due_lesson"
        )
    if due.status == Lesson.Status.CANCELLED:
        raise ValidationError({"due_lesson": _("That lesson is cancelled.")}, code="due_cancelled")


def _homework_state(homework: Homework | None) -> dict | None:
    if homework is None:
        return None
    return {"text": homework.text, "pages": homework.pages, "due_lesson": homework.due_lesson_id}


@transaction.atomic
def set_homework(
    *, actor, lesson: Lesson, text: str, pages: str, due_lesson: Lesson | None = None, now=None
) -> Homework | None:
    """Set the homework given at `lesson`; with no text, no pages and no attachments it is removed."""
    lesson = _locked(lesson)
    policy.ensure_can_fill_record(actor, lesson, policy.HOMEWORK, now=now)
    text, pages = (text or "").strip(), (pages or "").strip()
    errors = {}
    if len(text) > TASK_MAX:
        errors["text"] = _too_long(TASK_MAX)
    if len(pages) > PAGES_MAX:
        errors["pages"] = _too_long(PAGES_MAX)
    if errors:
        raise ValidationError(errors)
    _ensure_due_lesson(lesson, due_lesson)
    homework = Homework.objects.filter(lesson=lesson).first()
    old = _homework_state(homework)
    if not text and not pages and (homework is None or not homework.attachments.exists()):
        if homework is not None:
            homework.delete()
            audit.record(actor, "journal.homework_cleared", lesson, school=lesson.school, data={"old": old})
        return None
    new = {"text": text, "pages": pages, "due_lesson": due_lesson.pk if due_lesson else None}
    if old == new:
        return homework
    homework = homework or Homework(school=lesson.school, lesson=lesson)
    homework.text, homework.pages, homework.due_lesson = text, pages, due_lesson
    homework.updated_by, homework.updated_at = _user(actor), timezone.now()
    homework.save()
    audit.record(
        actor,
        "journal.homework_set",
        lesson,
        school=lesson.school,
        summary=(text or pages)[:200],
        data={"old": old, "new": new},
    )
    return homework


def _check_upload(upload) -> str:
    """The upload's original name (without any path), or a ValidationError on "file"."""
    name = os.path.basename((getattr(upload, "name", "") or "").replace("\\", "/")).strip()
    if not name:
        raise ValidationError({"file": _("Choose a file.")}, code="required")
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            {
                "file": _("Files of this type cannot be attached. Allowed: %(types)s.")
                % {"types": ", ".join(sorted(ALLOWED_EXTENSIONS))}
            },
            code="extension",
        )
    if not upload.size:
        raise ValidationError({"file": _("The file is empty.")}, code="empty")
    if upload.size > MAX_FILE_SIZE:
        raise ValidationError(
            {
                "file": _("The file is too big (%(size)s); at most %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_FILE_SIZE)}
            },
            code="too_big",
        )
    if len(name) > 200:
        stem, _dot, suffix = name.rpartition(".")
        name = f"{stem[: 199 - len(suffix)]}.{suffix}"
    return name


@transaction.atomic
def add_attachment(*, actor, lesson: Lesson, upload, now=None) -> HomeworkAttachment:
    """Attach an uploaded file to the homework of `lesson` (created if missing); stored under a random name."""
    lesson = _locked(lesson)
    policy.ensure_can_fill_record(actor, lesson, policy.HOMEWORK, now=now)
    name = _check_upload(upload)
    homework = Homework.objects.filter(lesson=lesson).first()
    if homework is None:
        homework = Homework.objects.create(school=lesson.school, lesson=lesson, updated_by=_user(actor))
    elif homework.attachments.count() >= MAX_FILES:
        raise ValidationError(
            {"file": _("At most %(n)d files can be attached to one homework.") % {"n": MAX_FILES}},
            code="too_many",
        )
    attachment = HomeworkAttachment(
        school=lesson.school,
        homework=homework,
        name=name,
        size=upload.size,
        content_type=(getattr(upload, "content_type", "") or "")[:100],
        uploaded_by=_user(actor),
    )
    attachment.file.save(name, upload, save=False)
    stored = attachment.file.name
    # The file is written before the row: if the row or its audit fails, nothing else would remove it.
    try:
        attachment.save()
        audit.record(
            actor,
            "journal.attachment_added",
            attachment,
            school=lesson.school,
            data={"lesson": lesson.pk, "name": name, "size": upload.size},
        )
    except Exception:
        attachment.file.storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def remove_attachment(*, actor, attachment: HomeworkAttachment, now=None) -> None:
    """Remove a homework attachment; its file is deleted once the transaction commits."""
    attachment = HomeworkAttachment.objects.select_related("homework__lesson").get(pk=attachment.pk)
    lesson = _locked(attachment.homework.lesson)
    policy.ensure_can_fill_record(actor, lesson, policy.HOMEWORK, now=now)
    homework = Homework.objects.get(pk=attachment.homework_id)
    storage, stored = attachment.file.storage, attachment.file.name
    data = {"lesson": lesson.pk, "name": attachment.name}
    audit.record(actor, "journal.attachment_removed", attachment, school=lesson.school, data=data)
    attachment.delete()
    if not homework.text and not homework.pages and not homework.attachments.exists():
        homework.delete()
    transaction.on_commit(lambda: storage.delete(stored))


# Remarks


@transaction.atomic
def add_remark(*, actor, lesson: Lesson, student: Student, kind: str, text: str, now=None) -> Remark:
    """Write a praise or a remark about a student of the lesson's group, for the parents to read."""
    lesson = _locked(lesson)
    policy.ensure_can_fill_record(actor, lesson, policy.REMARK, now=now)
    text = (text or "").strip()
    errors = {}
    if kind not in Remark.Kind.values:
        errors["kind"] = _("Choose praise or remark.")
    if not text:
        errors["text"] = _("Write what happened.")
    elif len(text) > REMARK_MAX:
        errors["text"] = _too_long(REMARK_MAX)
    if student is None or not students_of_group(lesson.group, on=lesson.date).filter(pk=student.pk).exists():
        errors["student"] = _("This student was not in the lesson's class or group on that day.")
    if errors:
        raise ValidationError(errors)
    remark = Remark.objects.create(
        school=lesson.school, lesson=lesson, student=student, kind=kind, text=text, author=actor.person
    )
    audit.record(
        actor,
        "journal.remark_added",
        remark,
        school=lesson.school,
        data={"lesson": lesson.pk, "student": student.pk, "kind": kind, "text": text},
    )
    # The parents hear of it (R-D-4): queued in this transaction, sent after the commit.
    notify.journal_event(
        notify.REMARKS,
        student,
        lesson=lesson,
        subject=Subject.objects.filter(courses__lessons=lesson).values_list("name", flat=True).first(),
        variant=kind,
        summary=text,
        key=f"remark:{remark.pk}",
    )
    return remark


@transaction.atomic
def remove_remark(*, actor, remark: Remark, now=None) -> None:
    """Remove a remark: its author (who may still fill the lesson) or the school admin."""
    remark = Remark.objects.get(pk=remark.pk)
    lesson = _locked(remark.lesson)
    policy.ensure_can_fill_record(actor, lesson, policy.REMARK, now=now)
    if not rules.may_remove_remark(actor, remark):
        raise PermissionDenied(_("Only the author of a remark or the school admin can remove it."))
    audit.record(
        actor,
        "journal.remark_removed",
        remark,
        school=lesson.school,
        data={"lesson": lesson.pk, "student": remark.student_id, "kind": remark.kind, "text": remark.text},
    )
    notify.withdraw_event(notify.REMARKS, f"remark:{remark.pk}")  # what has not gone out yet
    remark.delete()


# Reads
