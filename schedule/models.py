"""School structure: years, reporting periods, holidays, buildings, rooms, subjects,
classes, groups, dated memberships and courses.

Every table carries `school` (DESIGN.md §1). Memberships are date ranges
(`[start, end)`, an open end means "still there"), never current-only keys;
PostgreSQL exclusion constraints forbid overlaps that make no sense.
"""

import datetime

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils import timezone
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
                expressions=[
                    ("school", RangeOperators.EQUAL),
                    (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS),
                ],
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
                expressions=[
                    ("scheme", RangeOperators.EQUAL),
                    (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS),
                ],
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
        constraints = [
            models.CheckConstraint(condition=Q(ends__gte=F("starts")), name="holiday_ends_after_start")
        ]

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
    teachers = models.ManyToManyField(
        Person, blank=True, related_name="subjects_taught", verbose_name=_("teachers")
    )

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
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_classes",
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
        SchoolClass,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="groups",
        verbose_name=_("class"),
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
            models.CheckConstraint(
                condition=Q(ends__isnull=True) | Q(ends__gte=F("starts")), name="enrollment_dates"
            ),
            ExclusionConstraint(
                name="enrollment_one_class_at_a_time",
                expressions=[
                    ("student", RangeOperators.EQUAL),
                    (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS),
                ],
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
            models.CheckConstraint(
                condition=Q(ends__isnull=True) | Q(ends__gte=F("starts")), name="membership_dates"
            ),
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
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="courses", verbose_name=_("subject")
    )
    group = models.ForeignKey(
        StudyGroup, on_delete=models.CASCADE, related_name="courses", verbose_name=_("group")
    )
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
            models.CheckConstraint(
                condition=Q(ends__isnull=True) | Q(ends__gte=F("starts")), name="courseteacher_dates"
            ),
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


# Timetable (SPEC §3): bell schedules, the weekly timetable, concrete lessons, substitutions.


class TimeRange(Func):
    """tsrange of two times on a fixed day, so PostgreSQL can compare time-of-day intervals."""

    function = "TSRANGE"
    template = "TSRANGE('2000-01-01'::date + %(expressions)s)"
    arg_joiner = ", '2000-01-01'::date + "
    output_field = DateTimeRangeField()


class DayTimeRange(Func):
    """tsrange(date + starts, date + ends): a lesson's real interval."""

    template = "TSRANGE(%(expressions)s)"
    output_field = DateTimeRangeField()

    def __init__(self, day, starts, ends):
        super().__init__(
            Func(F(day), F(starts), arg_joiner=" + ", template="(%(expressions)s)"),
            Func(F(day), F(ends), arg_joiner=" + ", template="(%(expressions)s)"),
        )


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")


class BellSchedule(models.Model):
    """Numbered lesson slots of one shift; one default per shift, others for special days (R-TT-1)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    shift = models.PositiveSmallIntegerField(_("shift"), default=1)
    is_default = models.BooleanField(_("used by default"), default=False)

    class Meta:
        verbose_name = _("bell schedule")
        verbose_name_plural = _("bell schedules")
        ordering = ["shift", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="bells_name_unique"),
            models.UniqueConstraint(
                fields=["school", "shift"], condition=Q(is_default=True), name="bells_one_default_per_shift"
            ),
        ]

    def __str__(self):
        return self.name


class BellSlot(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    schedule = models.ForeignKey(BellSchedule, on_delete=models.CASCADE, related_name="slots")
    number = models.PositiveSmallIntegerField(_("lesson number"))
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))

    class Meta:
        verbose_name = _("lesson slot")
        verbose_name_plural = _("lesson slots")
        ordering = ["schedule", "number"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "number"], name="bellslot_number_unique"),
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="bellslot_ends_after_start"),
            ExclusionConstraint(
                name="bellslot_no_overlap",
                expressions=[
                    ("schedule", RangeOperators.EQUAL),
                    (TimeRange("starts", "ends"), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.starts:%H:%M}–{self.ends:%H:%M}"


class BellDay(models.Model):
    """On this date the shift follows another bell schedule (a shortened day, say)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    shift = models.PositiveSmallIntegerField(_("shift"), default=1)
    schedule = models.ForeignKey(BellSchedule, on_delete=models.CASCADE, related_name="days")

    class Meta:
        verbose_name = _("special bell day")
        verbose_name_plural = _("special bell days")
        constraints = [models.UniqueConstraint(fields=["school", "date", "shift"], name="bellday_unique")]

    def __str__(self):
        return f"{self.date:%d.%m.%Y}: {self.schedule}"


class TimetableEntry(models.Model):
    """One line of the weekly timetable: on this weekday, in this slot, this course meets (R-TT-2).

    Valid for [starts, ends] (inclusive, ends empty = to the end of the year), so a new
    timetable can start mid-period. `group` and `teacher` are copied from the course so
    PostgreSQL itself refuses teacher, room and group double-bookings.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="timetable_entries")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="timetable_entries")
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="timetable_entries")
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="timetable_entries"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    shift = models.PositiveSmallIntegerField(_("shift"), default=1)
    slot = models.PositiveSmallIntegerField(_("lesson number"))
    starts = models.DateField(_("from"))
    ends = models.DateField(_("until"), null=True, blank=True)
    # When the entry was placed (the deadline of the timetable before each period, seed 001 A.19); empty for
    # entries placed before the field existed (unknown: not counted late).
    created_at = models.DateTimeField(default=timezone.now, null=True, editable=False)

    class Meta:
        verbose_name = _("timetable entry")
        verbose_name_plural = _("timetable entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__isnull=True) | Q(ends__gte=F("starts")), name="ttentry_dates"
            ),
            ExclusionConstraint(
                name="ttentry_teacher_free",
                expressions=[
                    ("teacher", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    ("shift", RangeOperators.EQUAL),
                    ("slot", RangeOperators.EQUAL),
                    (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("The teacher already has a lesson at that time."),
            ),
            ExclusionConstraint(
                name="ttentry_room_free",
                expressions=[
                    ("room", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    ("shift", RangeOperators.EQUAL),
                    ("slot", RangeOperators.EQUAL),
                    (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS),
                ],
                condition=Q(room__isnull=False),
                violation_error_message=_("The room is already taken at that time."),
            ),
            ExclusionConstraint(
                name="ttentry_group_free",
                expressions=[
                    ("group", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    ("shift", RangeOperators.EQUAL),
                    ("slot", RangeOperators.EQUAL),
                    (inclusive_range("starts", "ends"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("The class or group already has a lesson at that time."),
            ),
        ]
        indexes = [models.Index(fields=["year", "weekday", "slot"])]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.slot}: {self.course}"


class Lesson(models.Model):
    """A concrete lesson on a date: the row marks, attendance, topic and homework hang on (R-TT-3).

    Generated from the timetable; cancelled lessons stay as rows (their data, if any,
    is kept). `starts`/`ends` are copied from the bell schedule of that date, so the
    database refuses a teacher, room or group in two lessons whose times overlap.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        CANCELLED = "cancelled", _("cancelled")

    class Origin(models.TextChoices):
        TIMETABLE = "timetable", _("from the timetable")
        EXTRA = "extra", _("extra lesson")
        MOVED = "moved", _("moved")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="lessons")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="lessons")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="lessons")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="lessons")
    entry = models.ForeignKey(
        TimetableEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="lessons"
    )
    date = models.DateField(_("date"))
    shift = models.PositiveSmallIntegerField(_("shift"), default=1)
    slot = models.PositiveSmallIntegerField(_("lesson number"))
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.TIMETABLE)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["date", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="lesson_ends_after_start"),
            models.UniqueConstraint(
                fields=["course", "date", "slot"], condition=Q(status="planned"), name="lesson_once_per_slot"
            ),
            ExclusionConstraint(
                name="lesson_teacher_free",
                expressions=[
                    ("teacher", RangeOperators.EQUAL),
                    (DayTimeRange("date", "starts", "ends"), RangeOperators.OVERLAPS),
                ],
                condition=Q(status="planned"),
                violation_error_message=_("The teacher already has a lesson at that time."),
            ),
            ExclusionConstraint(
                name="lesson_room_free",
                expressions=[
                    ("room", RangeOperators.EQUAL),
                    (DayTimeRange("date", "starts", "ends"), RangeOperators.OVERLAPS),
                ],
                condition=Q(status="planned", room__isnull=False),
                violation_error_message=_("The room is already taken at that time."),
            ),
            ExclusionConstraint(
                name="lesson_group_free",
                expressions=[
                    ("group", RangeOperators.EQUAL),
                    (DayTimeRange("date", "starts", "ends"), RangeOperators.OVERLAPS),
                ],
                condition=Q(status="planned"),
                violation_error_message=_("The class or group already has a lesson at that time."),
            ),
        ]
        indexes = [
            models.Index(fields=["school", "date"]),
            models.Index(fields=["course", "date"]),
            # The journal grid and its averages read one course in one reporting period.
            models.Index(fields=["course", "period"], name="lesson_course_period_idx"),
            models.Index(fields=["teacher", "date"]),
            models.Index(fields=["group", "date"]),
        ]

    def __str__(self):
        return f"{self.date:%d.%m.%Y} {self.slot}: {self.course}"


class Substitution(models.Model):
    """Who replaces whom for one lesson (R-TT-4, R-ACC-6). Recorded after the start only by the admin: `late`."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    lesson = models.OneToOneField(Lesson, on_delete=models.CASCADE, related_name="substitution")
    absent_teacher = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("absent teacher")
    )
    substitute = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="substitutions", verbose_name=_("substitute")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    late = models.BooleanField(_("recorded after the lesson began"), default=False)

    class Meta:
        verbose_name = _("substitution")
        verbose_name_plural = _("substitutions")
        indexes = [models.Index(fields=["substitute", "lesson"])]

    def __str__(self):
        return f"{self.lesson}: {self.substitute}"
