"""The journal's core write path: work types, mark columns, cells, attendance and the mark log.

A cell is one row per (mark column, student) holding a small array of marks, so
"5/4" is atomic: one version to compare on save and one log entry per change
(DESIGN.md "the write path of a mark"). Attendance is per lesson and student.
Both carry a version: writes are compare-and-set, never last-writer-wins.
"""

import datetime

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import School, Student
from schedule.models import Lesson


class EditWindow(models.TextChoices):
    """How long after the lesson date a mark may still be changed by its teacher (R-J-10)."""

    NEVER_LOCKED = "never", _("never locked (until the year ends)")
    ONE_WEEK = "1w", _("1 week")
    TWO_WEEKS = "2w", _("2 weeks")
    THREE_WEEKS = "3w", _("3 weeks")
    ONE_MONTH = "1m", _("1 month")


class FinalsDeadline(models.TextChoices):
    """When a period's final marks are due (R-F-4): seed 001 — 7 days after, seed 002 — 2 days before, seed 004 — last day."""

    AFTER_END = "after", _("N days after the period ends")
    BEFORE_END = "before", _("N days before the period ends")
    LAST_DAY = "last", _("on the period's last day")


class JournalSettings(models.Model):
    """The school's journal rules; one row per school, created on first use."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="journal_settings")
    edit_window = models.CharField(
        _("marks may be changed"), max_length=5, choices=EditWindow.choices, default=EditWindow.TWO_WEEKS
    )
    # Proposed finals (R-F-2, seed 002 §7.5): lower bounds of 3, 4 and 5 on the weighted average.
    threshold_3 = models.DecimalField(
        _("lowest average for 3"), max_digits=3, decimal_places=2, default="2.65"
    )
    threshold_4 = models.DecimalField(
        _("lowest average for 4"), max_digits=3, decimal_places=2, default="3.65"
    )
    threshold_5 = models.DecimalField(
        _("lowest average for 5"), max_digits=3, decimal_places=2, default="4.65"
    )
    round_average = models.BooleanField(
        _("round the average to two decimals (half up) before applying the thresholds"), default=False
    )
    # When finals are due (R-F-4).
    finals_deadline = models.CharField(
        _("finals are due"), max_length=10, choices=FinalsDeadline.choices, default=FinalsDeadline.AFTER_END
    )
    finals_deadline_days = models.PositiveSmallIntegerField(_("days"), default=7)

    class Meta:
        verbose_name = _("journal settings")
        verbose_name_plural = _("journal settings")

    def __str__(self):
        return f"{self.school}: {self.get_edit_window_display()}"


class MarksDeadline(models.TextChoices):
    """Which marks deadline a work type follows (R-CTL-3, seed 002 2.4): an oral answer's or a written work's."""

    ORAL = "oral", _("oral answer: within a day")
    WRITTEN = "written", _("written, test or laboratory work")
    NONE = "none", _("no deadline")


class WorkType(models.Model):
    """A kind of work a mark is given for (У, КР, СР…) with its weight in averages (R-J-3)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=3, decimal_places=1, default=1)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_default = models.BooleanField(_("default for a new column"), default=False)
    deadline = models.CharField(
        _("marks are due"), max_length=10, choices=MarksDeadline.choices, default=MarksDeadline.WRITTEN
    )

    class Meta:
        verbose_name = _("work type")
        verbose_name_plural = _("work types")
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="worktype_code_unique"),
            models.UniqueConstraint(
                fields=["school"], condition=Q(is_default=True), name="worktype_one_default"
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=10), name="worktype_weight_range"
            ),
        ]

    def __str__(self):
        return self.code


class Work(models.Model):
    """A mark column of a lesson; a lesson may have several (oral answers and a test, say)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="works")
    work_type = models.ForeignKey(WorkType, on_delete=models.PROTECT, related_name="works")
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("mark column")
        verbose_name_plural = _("mark columns")
        ordering = ["lesson", "position"]
        constraints = [models.UniqueConstraint(fields=["lesson", "position"], name="work_position_unique")]

    def __str__(self):
        return f"{self.lesson} · {self.work_type}"


class Cell(models.Model):
    """The marks of one student in one column: `marks` is empty when the cell was cleared."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="cells")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    marks = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    # R-J-14: positions (0-based) in `marks` of marks replaced by a retake: shown "(2)", not averaged.
    excluded = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    # R-J-14: the work is owed ("•", долг/точка) until it is handed in and marked.
    owed = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mark cell")
        verbose_name_plural = _("mark cells")
        constraints = [
            models.UniqueConstraint(fields=["work", "student"], name="cell_unique"),
            # R-J-2: only 2, 3, 4, 5 — whatever path writes.
            models.CheckConstraint(condition=Q(marks__contained_by=[2, 3, 4, 5]), name="cell_marks_allowed"),
        ]
        indexes = [models.Index(fields=["school", "student"])]

    def __str__(self):
        return "/".join(str(m) for m in self.marks)


class Attendance(models.Model):
    """Absent (Н) or late (ОП) at one lesson; the class teacher sets the reason later (R-J-8)."""

    class Status(models.TextChoices):
        ABSENT = "absent", _("absent")
        LATE = "late", _("late")

    class Reason(models.TextChoices):
        ILLNESS = "illness", _("illness")
        EXCUSED = "excused", _("excused")
        UNEXCUSED = "unexcused", _("unexcused")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="attendance")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["lesson", "student"], name="attendance_unique")]
        indexes = [models.Index(fields=["school", "student"])]

    def __str__(self):
        return self.status or "—"


class MarkLogHead(models.Model):
    """The newest entry of a school's mark log: locked FOR UPDATE while one entry is appended."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+", primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"{self.school_id}: {self.seq}"


class MarkLogEntry(models.Model):
    """One creation, change or deletion of marks or attendance (R-J-11), append-only and hash-chained.

    `hash` = SHA-256 of the previous entry's hash and this entry's canonical content,
    so changing, removing or reordering any row breaks the chain from there on
    (`manage.py verify_mark_log`). A trigger refuses UPDATE and DELETE.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    kind = models.CharField(max_length=20)  # "marks" | "attendance" | "reason" | "final_<kind>"
    lesson = models.ForeignKey(Lesson, null=True, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    work = models.ForeignKey(Work, null=True, on_delete=models.PROTECT, related_name="+")
    old = models.CharField(max_length=40, blank=True)
    new = models.CharField(max_length=40, blank=True)
    # Final marks (R-F-2): no lesson; the course, the period (for a period's final) and the proposal.
    course = models.ForeignKey("schedule.Course", null=True, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(
        "schedule.ReportingPeriod", null=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed = models.PositiveSmallIntegerField(null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("mark log entry")
        verbose_name_plural = _("mark log")
        constraints = [models.UniqueConstraint(fields=["school", "seq"], name="marklog_seq_unique")]
        indexes = [
            models.Index(fields=["school", "at"]),
            models.Index(fields=["lesson"]),
            models.Index(fields=["course"], condition=Q(course__isnull=False), name="marklog_course_idx"),
        ]

    def __str__(self):
        return f"{self.seq}: {self.old!r} → {self.new!r}"


# The lesson record (R-J-4…7): topic, homework, remarks, and the course's thematic plan (R-J-5).


class PlanTopic(models.Model):
    """One topic of a course's thematic plan (КТП), in order, with its planned hours (R-J-5)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("schedule.Course", on_delete=models.CASCADE, related_name="plan_topics")
    position = models.PositiveSmallIntegerField(_("no."))
    section = models.CharField(_("section"), max_length=200, blank=True)
    title = models.CharField(_("topic"), max_length=300)
    hours = models.PositiveSmallIntegerField(_("hours"), default=1)
    # When the row was written (the deadline of the plan before each period, seed 001 A.16); empty for rows
    # written before the field existed (unknown: not counted late).
    created_at = models.DateTimeField(default=timezone.now, null=True, editable=False)

    class Meta:
        verbose_name = _("thematic plan topic")
        verbose_name_plural = _("thematic plan")
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="plantopic_position_unique"),
            models.CheckConstraint(condition=Q(hours__gte=1) & Q(hours__lte=200), name="plantopic_hours"),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"


class LessonTopic(models.Model):
    """What a lesson was (or will be) about; may be entered in advance (R-J-4).

    `plan_topic` links it to the thematic plan for the planned-vs-delivered page;
    the text is kept when the plan is re-imported (the link is then cleared).
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    lesson = models.OneToOneField(Lesson, on_delete=models.PROTECT, related_name="topic")
    text = models.CharField(_("topic"), max_length=300)
    plan_topic = models.ForeignKey(
        PlanTopic, null=True, blank=True, on_delete=models.SET_NULL, related_name="lesson_topics"
    )
    updated_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    # When the record was first written (the deadlines measure it: R-CTL-1, R-CTL-2); an edit keeps it.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lesson topic")
        verbose_name_plural = _("lesson topics")
        indexes = [models.Index(fields=["plan_topic"])]

    def __str__(self):
        return self.text


class Homework(models.Model):
    """The homework set at a lesson (R-J-6): text, pages and exercises, attachments, the lesson it is due.

    One per lesson (the text holds several tasks); `due_lesson` is a later lesson
    of the same course (None: the next one). Visible to students and parents at once.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    lesson = models.OneToOneField(Lesson, on_delete=models.PROTECT, related_name="homework")
    text = models.TextField(_("task"), max_length=4000, blank=True)
    pages = models.CharField(_("pages and exercises"), max_length=200, blank=True)
    due_lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="homework_due"
    )
    updated_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    # When the record was first written (the deadlines measure it: R-CTL-1, R-CTL-2); an edit keeps it.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("homework")
        verbose_name_plural = _("homework")
        indexes = [models.Index(fields=["due_lesson"])]

    def __str__(self):
        return self.text[:60] or self.pages


def attachment_path(instance, filename):
    # The stored name is random: the original name is kept in `name` and sent on download.
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower()[:10] if "." in filename else "bin"
    return f"homework/{instance.school_id}/{uuid.uuid4().hex}.{suffix}"


class HomeworkAttachment(models.Model):
    """A file attached to homework; served only through a view that checks who may read it."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    homework = models.ForeignKey(Homework, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name


class Remark(models.Model):
    """A praise or a remark about one student at one lesson, addressed to the parents (R-J-7)."""

    class Kind(models.TextChoices):
        PRAISE = "praise", _("praise")
        REMARK = "remark", _("remark")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="remarks")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REMARK)
    text = models.CharField(_("text"), max_length=500)
    author = models.ForeignKey("accounts.Person", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("remark")
        verbose_name_plural = _("remarks")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["school", "student"])]

    def __str__(self):
        return self.text[:60]


def export_path(instance, filename):
    # Random, per school, outside any public URL: served only by journal:marklog_export_file.
    import uuid

    return f"exports/{instance.school_id}/{uuid.uuid4().hex}.xlsx"


class MarkLogExport(models.Model):
    """An XLSX export of the mark log, built by a Celery worker; the page polls its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    UNSENT = "unsent"  # `error` of a queued export whose task did not reach the broker

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    filters = models.JSONField(default=dict)  # the page's GET filter values, as strings
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_path, max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mark log export")
        verbose_name_plural = _("mark log exports")
        indexes = [models.Index(fields=["school", "requested_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="marklogexport_status_valid",
            )
        ]

    def __str__(self):
        return f"{self.school_id}/{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def unsent(self) -> bool:
        return self.status == self.Status.QUEUED and self.error == self.UNSENT

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


# Final marks and period locks (R-F-1…6).


class FinalKind(models.TextChoices):
    PERIOD = "period", _("period")
    YEAR = "year", _("year")
    EXAM = "exam", _("exam")
    FINAL = "final", _("final")


FINAL_SCALE = (2, 3, 4, 5)


class FinalMark(models.Model):
    """A student's final mark for a course: of a reporting period, the year, the exam or overall (R-F-1).

    `proposed`, `average` and `rule` keep what the system proposed when the mark was
    set (R-F-2), so an override stays visible next to the mark. Writes are
    compare-and-set on `version` and logged in the mark log (`journal.finals.values`).
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("schedule.Course", on_delete=models.PROTECT, related_name="final_marks")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="final_marks")
    kind = models.CharField(_("kind"), max_length=10, choices=FinalKind.choices)
    period = models.ForeignKey(
        "schedule.ReportingPeriod",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="final_marks",
    )
    value = models.PositiveSmallIntegerField(_("mark"))
    proposed = models.PositiveSmallIntegerField(_("proposed"), null=True, blank=True)
    average = models.DecimalField(_("average"), max_digits=6, decimal_places=4, null=True, blank=True)
    rule = models.CharField(_("rule"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("final mark")
        verbose_name_plural = _("final marks")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "student", "period"],
                condition=Q(kind="period"),
                name="finalmark_one_per_period",
            ),
            models.UniqueConstraint(
                fields=["course", "student", "kind"],
                condition=~Q(kind="period"),
                name="finalmark_one_per_kind",
            ),
            models.CheckConstraint(condition=Q(value__in=FINAL_SCALE), name="finalmark_on_scale"),
            models.CheckConstraint(
                condition=Q(kind="period", period__isnull=False)
                | (~Q(kind="period") & Q(period__isnull=True)),
                name="finalmark_period_iff_period_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["period", "year", "exam", "final"]), name="finalmark_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["school", "student"])]

    def __str__(self):
        return f"{self.course_id}/{self.student_id} {self.kind} {self.value}"


class CourseLock(models.Model):
    """A course's period whose finals are all entered: read-only for its teachers (R-F-5, seed 001 Д.2).

    `locked` is the state; the admin reopens it for a named reason and it locks again
    when the finals are complete. Every change is a `LockEvent` and an audit entry.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("schedule.Course", on_delete=models.CASCADE, related_name="locks")
    period = models.ForeignKey(
        "schedule.ReportingPeriod", on_delete=models.CASCADE, related_name="course_locks"
    )
    locked = models.BooleanField(default=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("course period lock")
        verbose_name_plural = _("course period locks")
        constraints = [models.UniqueConstraint(fields=["course", "period"], name="courselock_unique")]

    def __str__(self):
        return f"{self.course_id}/{self.period_id} {'locked' if self.locked else 'open'}"


class PeriodClosure(models.Model):
    """A reporting period the school has closed: read-only for everyone except the admin (R-F-5)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    period = models.OneToOneField(
        "schedule.ReportingPeriod", on_delete=models.CASCADE, related_name="closure"
    )
    closed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")

    def __str__(self):
        return f"{self.period_id} closed"


class LockEvent(models.Model):
    """The history of locks: a course's period locked or reopened, a period closed or reopened (R-F-5)."""

    class Action(models.TextChoices):
        LOCKED = "locked", _("locked: all finals entered")
        REOPENED = "reopened", _("reopened by the admin")
        CLOSED = "closed", _("period closed by the school")
        UNCLOSED = "unclosed", _("period reopened by the school")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(
        "schedule.Course", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    period = models.ForeignKey(
        "schedule.ReportingPeriod", on_delete=models.CASCADE, related_name="lock_events"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lock event")
        verbose_name_plural = _("lock events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["course", "period"]), models.Index(fields=["school", "-at"])]

    def __str__(self):
        return f"{self.period_id}/{self.course_id} {self.action}"


class NotifyCursor(models.Model):
    """How far the parents' notifications have read the school's mark log (`journal.marklog.notifications`)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.school_id}: {self.seq}"


# Deadlines of the journal (R-CTL-1…4): the school's settings and the nightly measures.


class DeadlineSettings(models.Model):
    """When each part of the journal is due, with the regulations' defaults; one row per school."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="deadline_settings")
    # R-CTL-1, seed 002 6.4.1: the lesson's topic and attendance on its day, at the latest by this hour.
    record_by = models.TimeField(_("topic and attendance by"), default=datetime.time(20, 0))
    # R-CTL-2, seed 001 2.8: homework at most this long after the end of the class's last lesson that day.
    homework_hours = models.PositiveSmallIntegerField(_("hours after the class's last lesson"), default=1)
    # R-CTL-3, seed 002 2.4: marks within this many days after the lesson (to the end of that day).
    oral_days = models.PositiveSmallIntegerField(_("oral answers, days (grades 2–11)"), default=1)
    written_days = models.PositiveSmallIntegerField(_("written work, days (grades 2–9)"), default=7)
    written_days_senior = models.PositiveSmallIntegerField(_("written work, days (grades 10–11)"), default=10)
    # Seed 004 6.1: the stricter rule some schools keep, written work marked within N working days.
    written_working_days = models.PositiveSmallIntegerField(
        _("written work, working days (stricter rule)"), null=True, blank=True
    )
    # Seed 001 A.16: the thematic plan of each course this many days before each period.
    plan_days = models.PositiveSmallIntegerField(_("thematic plan, days before the period"), default=2)
    # Reminders before a deadline and warnings after it: one letter a day, from this hour.
    remind = models.BooleanField(_("send teachers a daily letter of what is due and late"), default=True)
    remind_at = models.TimeField(_("letter sent at"), default=datetime.time(8, 0))
    # The school day (in its zone) the nightly job last measured: a missed night is caught up next hour.
    measured_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("deadline settings")
        verbose_name_plural = _("deadline settings")

    def __str__(self):
        return str(self.school)


class DeadlineMeasure(models.Model):
    """One deadline of one lesson, work or course plan as measured: on time, late (by how much) or missing.

    Written by the nightly job (`journal.deadlines.services.measure`), which measures again the
    days of a window each night, so a late entry, a moved or cancelled lesson and a substitution are
    reflected; `key` names the thing measured ("lesson:12", "work:34", "plan:5:6", "timetable:7:6"). A
    class's timetable has a class and no course; the rest have a course.
    """

    class Clause(models.TextChoices):
        RECORD = "record", _("topic and attendance")
        HOMEWORK = "homework", _("homework")
        MARKS = "marks", _("marks")
        PLAN = "plan", _("thematic plan")
        TIMETABLE = "timetable", _("timetable")

    class State(models.TextChoices):
        ON_TIME = "on_time", pgettext_lazy("deadline", "on time")
        LATE = "late", pgettext_lazy("deadline", "late")
        MISSING = "missing", pgettext_lazy("deadline", "missing")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    clause = models.CharField(_("deadline"), max_length=10, choices=Clause.choices)
    teacher = models.ForeignKey(
        "accounts.Person", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("teacher")
    )
    course = models.ForeignKey("schedule.Course", null=True, on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "schedule.SchoolClass", null=True, on_delete=models.CASCADE, related_name="+"
    )
    lesson = models.ForeignKey(Lesson, null=True, on_delete=models.CASCADE, related_name="+")
    work = models.ForeignKey("Work", null=True, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("date"))  # the lesson's date; for a plan, the period's first day
    due_at = models.DateTimeField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    measured_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("deadline measure")
        verbose_name_plural = _("deadline measures")
        constraints = [models.UniqueConstraint(fields=["school", "key"], name="deadline_measure_key")]
        indexes = [models.Index(fields=["school", "day"]), models.Index(fields=["teacher", "day"])]

    def __str__(self):
        return f"{self.key}: {self.state}"
