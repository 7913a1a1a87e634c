"""Pages of the lesson record (R-J-4, R-J-6, R-J-7): the lesson page, its POST endpoints, the period's
list of lessons, and the download of homework attachments.

Rights come from `journal.rules`; every write goes through `journal.records.services`, whose
refusals either land next to the form field (`ValidationError`, the page is shown
again with status 200) or answer 403 (`PermissionDenied`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import deny, get_in_school, require, school_view
from accounts.selectors import local_today
from journal import policy, rules
from journal.grid.views import course_period
from journal.models import HomeworkAttachment, PlanTopic, Remark
from journal.plans.selectors import proposed_topic
from journal.records import services as records
from journal.records.forms import AttachmentForm, HomeworkForm, RemarkForm, TopicForm
from journal.records.selectors import due_choices, lesson_record, period_lessons, students_on
from schedule.models import Lesson

LESSON = policy.with_lock_state(
    Lesson.objects.select_related(
        "course__subject", "group__school_class", "group__year", "teacher", "room", "period", "year", "school"
    )
)


def _lesson(actor, pk) -> Lesson:
    return get_in_school(actor, LESSON, pk=pk)


def _back(lesson: Lesson, anchor: str = ""):
    return redirect(reverse("journal:lesson", args=[lesson.pk]) + anchor)


def _render(request, lesson: Lesson, **bound):
    """The lesson page; `bound` holds a submitted form to show again with its errors."""
    actor = request.actor
    record = lesson_record(lesson)
    locked = policy.lock_note(actor, lesson)
    open_ = not lesson.year.is_read_only and lesson.status != Lesson.Status.CANCELLED and not locked
    can_fill = open_ and rules.fill_lesson_record(actor, lesson)
    today = local_today(lesson.school)
    context = {
        "lesson": lesson,
        "record": record,
        "can_fill": can_fill,
        "locked": locked,
        "homework_allowed": lesson.group.grade != 1,
        "remarks_allowed": lesson.date <= today,
        "can_remove_remarks": open_ and (can_fill or actor.is_admin),
        "removable": {r.pk for r in record.remarks if rules.may_remove_remark(actor, r)},
    }
    if can_fill:
        homework = record.homework
        options = due_choices(lesson)
        due = homework.due_lesson if homework else (options[0] if options else None)
        if due is not None and due not in options:
            options = [due, *options]
        topic = record.topic
        # A topic already linked to the plan keeps its link; the plan proposes only for the others.
        proposed = proposed_topic(lesson) if topic is None or topic.plan_topic_id is None else None
        context |= {
            "proposed": proposed,
            "due_options": options,
            "students": students_on(lesson) if context["remarks_allowed"] else [],
            "topic_form": bound.get("topic_form")
            or TopicForm(
                lesson=lesson,
                initial={"text": topic.text, "plan_topic": topic.plan_topic_id} if topic else None,
            ),
            "homework_form": bound.get("homework_form")
            or HomeworkForm(
                lesson=lesson,
                initial={
                    "text": homework.text if homework else "",
                    "pages": homework.pages if homework else "",
                    "due_lesson": due.pk if due else None,
                },
            ),
            "attachment_form": bound.get("attachment_form") or AttachmentForm(),
            "remark_form": bound.get("remark_form") or RemarkForm(lesson=lesson),
            "max_files": records.MAX_FILES,
            "extensions": ",".join(f".{e}" for e in sorted(records.ALLOWED_EXTENSIONS)),
        }
    return render(request, "journal/records/lesson.html", context)


@school_view(rules.open_journal)
def lesson_page(request, pk):
    """One lesson: its topic, homework with attachments and remarks; forms for its teacher."""
    lesson = _lesson(request.actor, pk)
    require(request.actor, rules.view_lesson, lesson)
    return _render(request, lesson)


def _writer(request, pk) -> Lesson:
    lesson = _lesson(request.actor, pk)
    require(request.actor, rules.fill_lesson_record, lesson)
    return lesson


def _save(request, lesson, form, name, anchor, write, done):
    """Validate `form` and call `write(cleaned_data)`: redirect with `done`, or show the page again with the
    errors next to the fields."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # The state of the journal (a closed year, a cancelled lesson…): the page no longer offers the form.
                messages.error(request, " ".join(exc.messages))
                return _back(lesson, anchor)
            form.add_service_error(exc)
        else:
            messages.success(request, done)
            return _back(lesson, anchor)
    return _render(request, lesson, **{name: form})


@require_POST
@school_view(rules.open_journal)
def save_topic(request, pk):
    """Sets the topic; the "use it" button of the plan's proposal posts the proposed topic itself."""
    lesson = _writer(request, pk)
    data = request.POST.copy()
    if data.get("use_plan"):
        planned = PlanTopic.objects.filter(course_id=lesson.course_id, pk=data["use_plan"]).first()
        if planned is not None:
            data["text"], data["plan_topic"] = planned.title, str(planned.pk)
    form = TopicForm(data, lesson=lesson)
    return _save(
        request,
        lesson,
        form,
        "topic_form",
        "#topic",
        lambda d: records.set_topic(
            actor=request.actor, lesson=lesson, text=d["text"], plan_topic=d["plan_topic"]
        ),
        _("The topic is saved."),
    )


@require_POST
@school_view(rules.open_journal)
def save_homework(request, pk):
    lesson = _writer(request, pk)
    form = HomeworkForm(request.POST, lesson=lesson)
    return _save(
        request,
        lesson,
        form,
        "homework_form",
        "#homework",
        lambda d: records.set_homework(
            actor=request.actor, lesson=lesson, text=d["text"], pages=d["pages"], due_lesson=d["due_lesson"]
        ),
        _("The homework is saved."),
    )


@require_POST
@school_view(rules.open_journal)
def add_attachment(request, pk):
    lesson = _writer(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    return _save(
        request,
        lesson,
        form,
        "attachment_form",
        "#homework",
        lambda d: records.add_attachment(actor=request.actor, lesson=lesson, upload=d["file"]),
        _("The file is attached."),
    )


@require_POST
@school_view(rules.open_journal)
def delete_attachment(request, pk):
    actor = request.actor
    attachment = get_in_school(actor, HomeworkAttachment.objects.select_related("homework"), pk=pk)
    lesson = _lesson(actor, attachment.homework.lesson_id)
    require(actor, rules.fill_lesson_record, lesson)
    try:
        records.remove_attachment(actor=actor, attachment=attachment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The file %(name)s is removed.") % {"name": attachment.name})
    return _back(lesson, "#homework")


@require_POST
@school_view(rules.open_journal)
def add_remark(request, pk):
    lesson = _writer(request, pk)
    form = RemarkForm(request.POST, lesson=lesson)
    return _save(
        request,
        lesson,
        form,
        "remark_form",
        "#remarks",
        lambda d: records.add_remark(
            actor=request.actor, lesson=lesson, student=d["student"], kind=d["kind"], text=d["text"]
        ),
        _("The remark is saved: the parents see it in the diary."),
    )


@require_POST
@school_view(rules.open_journal)
def delete_remark(request, pk):
    actor = request.actor
    remark = get_in_school(actor, Remark.objects.all(), pk=pk)
    lesson = _lesson(actor, remark.lesson_id)
    if not (rules.fill_lesson_record(actor, lesson) or actor.is_admin):
        deny(actor, "journal.rules.fill_lesson_record")
    try:
        records.remove_remark(actor=actor, remark=remark)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The remark is removed."))
    return _back(lesson, "#remarks")


@school_view()
def download_attachment(request, pk):
    """Sends a homework attachment under its original name to whoever may read the homework."""
    actor = request.actor
    attachment = get_in_school(
        actor,
        HomeworkAttachment.objects.select_related(
            "homework__lesson__group__year", "homework__lesson__course__group"
        ),
        pk=pk,
    )
    require(actor, rules.read_homework, attachment.homework.lesson)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=attachment.name)
    patch_cache_control(response, private=True, no_store=True)  # a child's homework stays off shared caches
    return response


@school_view(rules.open_journal)
def lessons_page(request, course_pk, period_pk):
    """The period's lessons of a course with topic, homework and remarks: to plan ahead and to check."""
    actor = request.actor
    course, period, periods = course_period(actor, course_pk, period_pk)
    lessons = period_lessons(course, period)
    shown = rules.lessons_shown(actor, course, period)
    if shown is not None:  # a substitute: only the lessons they replaced (R-ACC-6)
        lessons = [lesson for lesson in lessons if lesson.pk in shown]
    locked = policy.lock_note(actor, period)
    can_fill = (
        not course.year.is_read_only
        and not locked
        and bool(
            rules.editable_lesson_ids(actor, course, period, {lesson.pk: lesson.date for lesson in lessons})
        )
    )
    empty = sum(1 for x in lessons if x.status != Lesson.Status.CANCELLED and not _has_topic(x))
    return render(
        request,
        "journal/records/lessons.html",
        {
            "course": course,
            "period": period,
            "periods": periods,
            "lessons": lessons,
            "can_fill": can_fill,
            "locked": locked,
            "empty_topics": empty,
        },
    )


def _has_topic(lesson: Lesson) -> bool:
    try:
        return lesson.topic is not None
    except Lesson.topic.RelatedObjectDoesNotExist:
        return False


@require_POST
@school_view(rules.open_journal)
def fill_topics(request, course_pk, period_pk):
    actor = request.actor
    course, period, _periods = course_period(actor, course_pk, period_pk)
    if not (rules.teaches_course(actor, course) or rules.substitutes_in(actor, course)):
        deny(actor, "journal.rules.fill_lesson_record")
    try:
        n = records.fill_topics_from_plan(actor=actor, course=course, period=period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if n:
            messages.success(
                request,
                ngettext(
                    "%(n)d lesson got its topic from the plan.",
                    "%(n)d lessons got their topics from the plan.",
                    n,
                )
                % {"n": n},
            )
        else:
            messages.warning(request, _("No topic was filled: the plan is empty or used up."))
    return redirect(reverse("journal:lessons", args=[course.pk, period.pk]))
