"""The journal's core write path: work types, mark columns, cells, attendance and the mark log.

A cell is one row per (mark column, student) holding a small array of marks, so
"5/4" is atomic: one version to compare on save and one log entry per change
(DESIGN.md "the write path of a mark"). Attendance is per lesson and student.
Both carry a version: writes are compare-and-set, never last-writer-wins.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import School, Student
from schedule.models import Lesson


class EditWindow(models.TextChoices):
    """How long after the lesson date a mark may still be changed by its teacher (R-J-10)."""

    NEVER_LOCKED = "never", _("never locked (until the year ends)")
    ONE_WEEK = "1w", _("1 week")
    TWO_WEEKS = "2w", _("2 weeks")
    THREE_WEEKS = "3w", _("3 weeks")
    ONE_MONTH = "1m", _("1 month")


class JournalSettings(models.Model):
    """The school's journal rules; one row per school, created on first use."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="journal_settings")
    edit_window = models.CharField(
        _("marks may be changed"), max_length=5, choices=EditWindow.choices, default=EditWindow.TWO_WEEKS
    )

    class Meta:
        verbose_name = _("journal settings")
        verbose_name_plural = _("journal settings")

    def __str__(self):
        return f"{self.school}: {self.get_edit_window_display()}"


class WorkType(models.Model):
    """A kind of work a mark is given for (У, КР, СР…) with its weight in averages (R-J-3)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=3, decimal_places=1, default=1)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_default = models.BooleanField(_("default for a new column"), default=False)

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
    kind = models.CharField(max_length=20)  # "marks" | "attendance"
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    work = models.ForeignKey(Work, null=True, on_delete=models.PROTECT, related_name="+")
    old = models.CharField(max_length=40, blank=True)
    new = models.CharField(max_length=40, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("mark log entry")
        verbose_name_plural = _("mark log")
        constraints = [models.UniqueConstraint(fields=["school", "seq"], name="marklog_seq_unique")]
        indexes = [models.Index(fields=["school", "at"]), models.Index(fields=["lesson"])]

    def __str__(self):
        return f"{self.seq}: {self.old!r} → {self.new!r}"
