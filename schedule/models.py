"""School structure: years, reporting periods, holidays, buildings, rooms, subjects,
classes, groups, dated memberships and courses.

Every table carries `school` (DESIGN.md §1). Memberships are date ranges
(`[start, end)`, an open end means "still there"), never current-only keys;
PostgreSQL exclusion constraints forbid overlaps that make no sense.
"""

import datetime

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, School, Student


class DateRange(Func):
    """daterange(start, end, '[]') — both ends inclusive, as schools write them."""

    function = "DATERANGE"
    output_field = DateRangeField()


def inclusive_range(start_field: str, end_field: str):
    return DateRange(F(start_field), F(end_field), Value("[]"))


class AcademicYear(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        ARCHIVED = "archived", _("archived")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="years")
    name = models.CharField(_("name"), max_length=20, help_text=_("for example 2026/2027"))
    starts = models.DateField(_("first day"))
    ends = models.DateField(_("last day"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        verbose_name = _("academic year")
        verbose_name_plural = _("academic years")
        ordering = ["-starts"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="year_name_unique"),
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="year_ends_after_start"),
            ExclusionConstraint(
                name="year_no_overlap",
                expressions=[("school", RangeOperators.EQUAL), (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS)],
            ),
        ]

    def __str__(self):
        return self.name

    def contains(self, day: datetime.date) -> bool:
        return self.starts <= day <= self.ends

    @property
    def is_read_only(self) -> bool:
        return self.status != self.Status.OPEN


class PeriodScheme(models.Model):
    """How a set of grades divides the year: quarters, half-years, trimesters."""

    class Kind(models.TextChoices):
        QUARTERS = "quarters", _("quarters")
        HALVES = "halves", _("half-years")
        TRIMESTERS = "trimesters", _("trimesters")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="schemes")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    grades = ArrayField(models.PositiveSmallIntegerField(), verbose_name=_("grades"))

    class Meta:
        verbose_name = _("period scheme")
        verbose_name_plural = _("period schemes")
        constraints = [
            models.UniqueConstraint(fields=["year", "kind"], name="scheme_kind_unique"),
        ]

    def __str__(self):
        grades = ", ".join(str(g) for g in sorted(self.grades))
        return f"{self.get_kind_display()} ({grades})"


class ReportingPeriod(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    scheme = models.ForeignKey(PeriodScheme, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=50)
    starts = models.DateField(_("first day"))
    ends = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["scheme", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="period_number_unique"),
            models.CheckConstraint(condition=Q(ends__gte=F("starts")), name="period_ends_after_start"),
            ExclusionConstraint(
                name="period_no_overlap",
                expressions=[("scheme", RangeOperators.EQUAL), (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS)],
            ),
        ]

    def __str__(self):
        return self.name


class Holiday(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(_("name"), max_length=100)
    starts = models.DateField(_("first day"))
    ends = models.DateField(_("last day"))
    grades = ArrayField(
        models.PositiveSmallIntegerField(),
        blank=True,
        default=list,
        verbose_name=_("only for grades"),
        help_text=_("empty: the whole school; e.g. 1 for the extra February holidays of first grade"),
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["starts"]
        constraints = [models.CheckConstraint(condition=Q(ends__gte=F("starts")), name="holiday_ends_after_start")]

    def __str__(self):
        return self.name

    def applies_to(self, grade: int) -> bool:
        return not self.grades or grade in self.grades


class Building(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="building_name_unique")]

    def __str__(self):
        return self.name


class Room(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name"), max_length=50)
    capacity = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    subjects = models.ManyToManyField("Subject", blank=True, related_name="rooms", verbose_name=_("subjects"))

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["building__name", "name"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="room_name_unique")]

    def __str__(self):
        return self.name


class Subject(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(_("short name"), max_length=30)
    no_final_assessment = models.BooleanField(
        _("no final assessment"), default=False, help_text=_("«без аттестации»: no period or year marks")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    teachers = models.ManyToManyField(Person, blank=True, related_name="subjects_taught", verbose_name=_("teachers"))

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="subject_name_unique")]

    def __str__(self):
        return self.name


class SchoolClass(models.Model):
    """A class of one year, e.g. «5А»; next year's 6А is a new row (rollover)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("grade"))
    letter = models.CharField(_("letter"), max_length=5)
    class_teacher = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_classes",
        verbose_name=_("class teacher"),
    )
    shift = models.PositiveSmallIntegerField(_("shift"), default=1)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["grade", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "grade", "letter"], name="class_name_unique"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=11), name="class_grade_range"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"


class StudyGroup(models.Model):
    """Who a course is taught to. Every class has exactly one whole-class group."""

    class Kind(models.TextChoices):
        WHOLE_CLASS = "whole_class", _("whole class")
        SUBGROUP = "subgroup", _("subgroup of a class")
        CROSS_CLASS = "cross_class", _("group across classes of a grade")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="groups")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    grade = models.PositiveSmallIntegerField(_("grade"))
    school_class = models.ForeignKey(
        SchoolClass, null=True, blank=True, on_delete=models.CASCADE, related_name="groups", verbose_name=_("class")
    )

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["grade", "name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="group_name_unique"),
            models.UniqueConstraint(
                fields=["school_class"], condition=Q(kind="whole_class"), name="group_one_whole_per_class"
            ),
            models.CheckConstraint(
                condition=Q(kind="cross_class", school_class__isnull=True)
                | (~Q(kind="cross_class") & Q(school_class__isnull=False)),
                name="group_class_matches_kind",
            ),
        ]

    def __str__(self):
        return self.name


class Enrollment(models.Model):
    """A student's stay in a class: [starts, ends] inclusive; ends empty = still there.

    A student is in at most one class on any date (exclusion constraint). A
    transfer closes one enrollment and opens another; history is kept (R-SET-4).
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="enrollments")
    starts = models.DateField(_("from"))
    ends = models.DateField(_("until"), null=True, blank=True)
    arrival_note = models.CharField(_("arrived from"), max_length=200, blank=True)
    departure_note = models.CharField(_("left for"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("class enrollment")
        verbose_name_plural = _("class enrollments")
        constraints = [
            models.CheckConstraint(condition=Q(ends__isnull=True) | Q(ends__gte=F("starts")), name="enrollment_dates"),
            ExclusionConstraint(
                name="enrollment_one_class_at_a_time",
                expressions=[("student", RangeOperators.EQUAL), (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS)],
            ),
        ]
        indexes = [models.Index(fields=["school_class", "starts"])]

    def __str__(self):
        return f"{self.student} — {self.school_class} ({self.starts} – {self.ends or '…'})"

    def clean(self):
        if self.ends and self.ends < self.starts:
            raise ValidationError({"ends": _("The end date is before the start date.")})


class GroupMembership(models.Model):
    """A student's stay in a subgroup or cross-class group (whole-class groups follow enrollments)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="group_memberships")
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="memberships")
    starts = models.DateField(_("from"))
    ends = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.CheckConstraint(condition=Q(ends__isnull=True) | Q(ends__gte=F("starts")), name="membership_dates"),
            ExclusionConstraint(
                name="membership_no_overlap",
                expressions=[
                    ("student", RangeOperators.EQUAL),
                    ("group", RangeOperators.EQUAL),
                    (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self):
        return f"{self.student} — {self.group} ({self.starts} – {self.ends or '…'})"


class Course(models.Model):
    """This subject, taught to this group, in this year, by these teachers (with dates)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="courses")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="courses", verbose_name=_("subject"))
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="courses", verbose_name=_("group"))
    hours_per_week = models.DecimalField(_("hours per week"), max_digits=3, decimal_places=1, default=1)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [models.UniqueConstraint(fields=["group", "subject"], name="course_unique")]

    def __str__(self):
        return f"{self.subject} — {self.group}"


class CourseTeacher(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="teachers")
    teacher = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="course_assignments")
    starts = models.DateField(_("from"))
    ends = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("course teacher")
        verbose_name_plural = _("course teachers")
        constraints = [
            models.CheckConstraint(condition=Q(ends__isnull=True) | Q(ends__gte=F("starts")), name="courseteacher_dates"),
            ExclusionConstraint(
                name="courseteacher_no_overlap",
                expressions=[
                    ("course", RangeOperators.EQUAL),
                    ("teacher", RangeOperators.EQUAL),
                    (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS),
                ],
            ),
        ]
        indexes = [models.Index(fields=["school", "teacher"])]

    def __str__(self):
        return f"{self.teacher} — {self.course} ({self.starts} – {self.ends or '…'})"
