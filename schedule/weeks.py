"""Timetable weeks and days read from concrete lessons (R-TT-5), and the deputy's substitution day (R-TT-4).

Every selector reads the `Lesson` rows it shows in one query (subject, group,
teacher, room and any substitution joined) and returns small dataclasses, so a
page costs the same number of queries whatever the size of the year. Weeks are
built from lessons, never from the weekly timetable: what a week shows is what
the journal will hold (cancelled, moved and extra lessons included).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Person, Student

from . import rules
from .models import Enrollment, GroupMembership, Holiday, Lesson, Room, SchoolClass, StudyGroup
from .selectors import local_today, teachers_of_school

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)


def monday_of(day: datetime.date) -> datetime.date:
    return day - day.weekday() * DAY


@dataclass(frozen=True, slots=True)
class WeekLesson:
    """One lesson as a timetable shows it; `teacher` is who actually teaches (the substitute, if any)."""

    pk: int
    date: datetime.date
    shift: int
    slot: int
    starts: datetime.time
    ends: datetime.time
    subject: str
    subject_short: str
    subject_id: int
    group: str
    group_id: int
    whole_class: bool
    class_id: int | None
    teacher: str
    teacher_id: int
    own_teacher: str  # the lesson's teacher: the absent one when substituted
    own_teacher_id: int
    room: str
    room_id: int | None
    cancelled: bool
    moved: bool
    extra: bool
    note: str
    substitution_id: int | None
    late: bool
    reason: str

    @property
    def substituted(self) -> bool:
        return self.substitution_id is not None

    @property
    def room_is_number(self) -> bool:
        """«101» reads as «каб. 101»; «Спортзал» stays as it is."""
        return self.room[:1].isdigit()

    @property
    def planned(self) -> bool:
        return not self.cancelled

    def overlaps(self, other: WeekLesson) -> bool:
        return self.date == other.date and self.starts < other.ends and other.starts < self.ends


def _lessons() -> QuerySet[Lesson]:
    return Lesson.objects.order_by("date", "starts", "group__name", "pk")


# Plain values, not model instances: a week needs no model graph, and skipping it halves the selector's time.
COLUMNS = (
    "pk",
    "date",
    "shift",
    "slot",
    "starts",
    "ends",
    "status",
    "origin",
    "note",
    "group_id",
    "room_id",
    "teacher_id",
    "course__subject_id",
    "course__subject__name",
    "course__subject__short_name",
    "group__name",
    "group__kind",
    "group__school_class_id",
    "teacher__last_name",
    "teacher__first_name",
    "teacher__patronymic",
    "room__name",
    "substitution__id",
    "substitution__late",
    "substitution__reason",
    "substitution__substitute_id",
    "substitution__substitute__last_name",
    "substitution__substitute__first_name",
    "substitution__substitute__patronymic",
)


def _short_name(row: dict, prefix: str, names: dict) -> str:
    """`Person.short_name` of the person whose name columns start with `prefix`, computed once per person."""
    key = row[f"{prefix}last_name"], row[f"{prefix}first_name"], row[f"{prefix}patronymic"]
    if key not in names:
        names[key] = Person(last_name=key[0], first_name=key[1], patronymic=key[2]).short_name
    return names[key]


def _items(lessons: QuerySet[Lesson]) -> list[WeekLesson]:
    names = {}
    return [_item(row, names) for row in lessons.values(*COLUMNS)]


def _item(row: dict, names: dict) -> WeekLesson:
    substituted = row["substitution__id"] is not None
    own = _short_name(row, "teacher__", names)
    return WeekLesson(
        pk=row["pk"],
        date=row["date"],
        shift=row["shift"],
        slot=row["slot"],
        starts=row["starts"],
        ends=row["ends"],
        subject=row["course__subject__name"],
        subject_short=row["course__subject__short_name"] or row["course__subject__name"],
        subject_id=row["course__subject_id"],
        group=row["group__name"],
        group_id=row["group_id"],
        whole_class=row["group__kind"] == StudyGroup.Kind.WHOLE_CLASS,
        class_id=row["group__school_class_id"],
        teacher=_short_name(row, "substitution__substitute__", names) if substituted else own,
        teacher_id=row["substitution__substitute_id"] if substituted else row["teacher_id"],
        own_teacher=own,
        own_teacher_id=row["teacher_id"],
        room=row["room__name"] or "",
        room_id=row["room_id"],
        cancelled=row["status"] == Lesson.Status.CANCELLED,
        moved=row["origin"] == Lesson.Origin.MOVED,
        extra=row["origin"] == Lesson.Origin.EXTRA,
        note=row["note"],
        substitution_id=row["substitution__id"],
        late=bool(row["substitution__late"]),
        reason=row["substitution__reason"] or "",
    )


# Weeks


@dataclass
class WeekDay:
    date: datetime.date
    lessons: list[WeekLesson]
    holiday: str = ""
    is_today: bool = False


@dataclass
class WeekRow:
    """One lesson number of the grid; `starts`/`ends` are the usual times of that number this week."""

    shift: int
    slot: int
    starts: datetime.time | None
    ends: datetime.time | None
    cells: list[list[WeekLesson]]  # one list per shown day


@dataclass
class Week:
    monday: datetime.date
    days: list[WeekDay]  # Monday–Friday, and Saturday when it has lessons
    rows: list[WeekRow]
    today: datetime.date
    shifts: list[int] = field(default_factory=list)

    @property
    def last_day(self) -> datetime.date:
        return self.days[-1].date

    @property
    def previous(self) -> datetime.date:
        return self.monday - WEEK

    @property
    def next(self) -> datetime.date:
        return self.monday + WEEK

    @property
    def lessons(self) -> list[WeekLesson]:
        return [lesson for day in self.days for lesson in day.lessons]

    @property
    def is_empty(self) -> bool:
        return not any(day.lessons for day in self.days)

    @property
    def has_today(self) -> bool:
        return self.monday <= self.today < self.monday + WEEK


def _week_range(on: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = monday_of(on)
    return monday, monday + 5 * DAY


def _holidays(school_id: int, monday: datetime.date, grade: int | None) -> dict[datetime.date, str]:
    """Holiday names by date for the week; `grade` None keeps only whole-school holidays."""
    names = {}
    rows = Holiday.objects.filter(school_id=school_id, starts__lte=monday + 5 * DAY, ends__gte=monday)
    for holiday in rows.order_by("starts"):
        if (holiday.grades and grade not in holiday.grades) or (grade is None and holiday.grades):
            continue
        day = max(holiday.starts, monday)
        while day <= min(holiday.ends, monday + 5 * DAY):
            names.setdefault(day, holiday.name)
            day += DAY
    return names


def build_week(
    on: datetime.date, lessons: list[WeekLesson], holidays: dict | None = None, today=None
) -> Week:
    """Lay lessons out as a grid: one row per lesson number (per shift), one column per day."""
    monday = monday_of(on)
    today = today or local_today()
    by_day = defaultdict(list)
    for lesson in lessons:
        by_day[lesson.date].append(lesson)
    dates = [monday + i * DAY for i in range(6)]
    if not by_day[dates[5]]:
        dates = dates[:5]
    holidays = holidays or {}
    days = [WeekDay(d, by_day[d], holidays.get(d, ""), d == today) for d in dates]

    slots = defaultdict(set)
    for lesson in lessons:
        slots[lesson.shift].add(lesson.slot)
    rows = []
    for shift in sorted(slots):
        numbers = slots[shift]
        for slot in range(min(numbers), max(numbers) + 1):
            cells = [[x for x in day.lessons if x.shift == shift and x.slot == slot] for day in days]
            times = Counter((x.starts, x.ends) for cell in cells for x in cell if not x.cancelled)
            times = times or Counter((x.starts, x.ends) for cell in cells for x in cell)
            starts, ends = times.most_common(1)[0][0] if times else (None, None)
            rows.append(WeekRow(shift, slot, starts, ends, cells))
    return Week(monday=monday, days=days, rows=rows, today=today, shifts=sorted(slots))


def _week(school, on, lessons: QuerySet[Lesson], grade: int | None) -> Week:
    monday, saturday = _week_range(on)
    items = _items(lessons.filter(date__gte=monday, date__lte=saturday))
    return build_week(on, items, _holidays(school.pk, monday, grade), today=local_today(school))


def week_of_class(school_class: SchoolClass, on: datetime.date) -> Week:
    """The class's week: its whole-class group, its subgroups, and cross-class groups its students are in.

    A cross-class group's lesson counts when a student enrolled in the class on
    that date belongs to the group on that date. Two queries.
    """
    on_date = Q(starts__lte=OuterRef("date")) & (Q(ends__isnull=True) | Q(ends__gte=OuterRef("date")))
    lesson_date = OuterRef(OuterRef("date"))
    in_class = Enrollment.objects.filter(
        Q(ends__isnull=True) | Q(ends__gte=lesson_date),
        school_class=school_class,
        student_id=OuterRef("student_id"),
        starts__lte=lesson_date,
    )
    members = GroupMembership.objects.filter(on_date, Exists(in_class), group_id=OuterRef("group_id"))
    lessons = (
        _lessons()
        .filter(school_id=school_class.school_id)
        .filter(
            Q(group__school_class=school_class)
            | (Q(group__kind=StudyGroup.Kind.CROSS_CLASS) & Exists(members))
        )
    )
    return _week(school_class.school, on, lessons, school_class.grade)


def week_of_teacher(person: Person, on: datetime.date) -> Week:
    """The teacher's lessons and the lessons they substitute; their own substituted lessons stay, marked. Two queries."""
    lessons = (
        _lessons()
        .filter(school_id=person.school_id)
        .filter(Q(teacher=person) | Q(substitution__substitute=person))
    )
    return _week(person.school, on, lessons, None)


def week_of_room(room: Room, on: datetime.date) -> Week:
    """Every lesson held in the room. Two queries."""
    lessons = _lessons().filter(school_id=room.school_id, room=room)
    return _week(room.school, on, lessons, None)


def student_lessons(student: Student) -> Q:
    """A `Lesson` filter: the student was in the lesson's class (whole-class lessons) or group on its date."""
    on_date = Q(starts__lte=OuterRef("date")) & (Q(ends__isnull=True) | Q(ends__gte=OuterRef("date")))
    enrolled = Enrollment.objects.filter(
        on_date, student=student, school_class_id=OuterRef("group__school_class_id")
    )
    member = GroupMembership.objects.filter(on_date, student=student, group_id=OuterRef("group_id"))
    # The groups the student was ever in narrow the lessons first (an index lookup); the dated checks
    # then run on a few hundred lessons instead of the school's year (13 ms → 0.3 ms on the large school).
    groups = (
        GroupMembership.objects.filter(student=student)
        .values("group_id")
        .union(
            StudyGroup.objects.filter(
                kind=StudyGroup.Kind.WHOLE_CLASS, school_class__enrollments__student=student
            ).values("pk")
        )
    )
    return Q(group_id__in=groups) & (
        (Q(group__kind=StudyGroup.Kind.WHOLE_CLASS) & Exists(enrolled)) | Exists(member)
    )


def week_of_student(student: Student, on: datetime.date, grade: int | None = None) -> Week:
    """The student's week: what the student (and their parents) see. Two queries.

    `grade` (of the student's class) picks the grade-only holidays to show.
    """
    lessons = _lessons().filter(student_lessons(student), school_id=student.school_id)
    return _week(student.school, on, lessons, grade)


def teacher_day(person: Person, day: datetime.date) -> list[WeekLesson]:
    """The teacher's lessons on `day`, the ones they substitute included, by time. One query."""
    lessons = (
        _lessons()
        .filter(school_id=person.school_id, date=day)
        .filter(Q(teacher=person) | Q(substitution__substitute=person))
    )
    return _items(lessons)


# The deputy's substitution day


@dataclass
class TeacherLessons:
    teacher: Person
    lessons: list[WeekLesson]

    @property
    def substituted_count(self) -> int:
        return sum(1 for x in self.lessons if x.substituted)


@dataclass
class SubstitutionChoice:
    """One lesson of the absent teacher and who could take it."""

    lesson: WeekLesson
    begun: bool
    subject_teachers: list[Person]  # free teachers of the lesson's subject
    other_teachers: list[Person]  # every other free teacher of the school


@dataclass
class SubstitutionDay:
    day: datetime.date
    teachers: list[TeacherLessons]  # every teacher with a lesson that day, by name
    substitutes: dict[int, list[WeekLesson]]  # person id → lessons they substitute that day
    absent: Person | None = None
    choices: list[SubstitutionChoice] = field(default_factory=list)

    @property
    def lesson_count(self) -> int:
        return sum(len(t.lessons) for t in self.teachers)


def busy_teachers(lessons: list[WeekLesson]) -> dict[int, list[WeekLesson]]:
    """Who is taken by which planned lesson: its substitute when it has one, else its teacher."""
    busy = defaultdict(list)
    for lesson in lessons:
        if lesson.planned:
            busy[lesson.teacher_id].append(lesson)
    return busy


def free_for(lesson: WeekLesson, teachers: list[Person], busy: dict[int, list[WeekLesson]]) -> list[Person]:
    """Teachers with no other planned lesson (their own or a substitution) overlapping `lesson`."""
    return [
        t
        for t in teachers
        if t.pk != lesson.own_teacher_id
        and not any(other.pk != lesson.pk and other.overlaps(lesson) for other in busy.get(t.pk, ()))
    ]


def substitution_day(school, day: datetime.date, absent: Person | None = None, now=None) -> SubstitutionDay:
    """Every lesson of the school on `day` by teacher; with `absent`, their lessons with the free teachers of each.

    Three queries (lessons, teachers, the subjects' teachers when a teacher is chosen)
    whatever the size of the school.
    """
    items = _items(_lessons().filter(school=school, date=day))
    teachers = list(teachers_of_school(school))
    people = {t.pk: t for t in teachers}
    by_teacher = defaultdict(list)
    substitutes = defaultdict(list)
    for lesson in items:
        by_teacher[lesson.own_teacher_id].append(lesson)
        if lesson.substituted:
            substitutes[lesson.teacher_id].append(lesson)
    result = SubstitutionDay(
        day=day,
        teachers=sorted(
            (
                TeacherLessons(people.get(pk) or _unlisted(lessons[0]), lessons)
                for pk, lessons in by_teacher.items()
            ),
            key=lambda t: (t.teacher.last_name, t.teacher.first_name, t.teacher.patronymic, t.teacher.pk),
        ),
        substitutes=dict(substitutes),
        absent=absent,
    )
    if absent is None:
        return result
    busy = busy_teachers(items)
    own = [item for item in items if item.own_teacher_id == absent.pk]
    teaches = defaultdict(set)
    for subject_id, person_id in Person.subjects_taught.through.objects.filter(
        subject_id__in={item.subject_id for item in own}
    ).values_list("subject_id", "person_id"):
        teaches[subject_id].add(person_id)
    for item in own:
        free = free_for(item, teachers, busy)
        of_subject = teaches[item.subject_id]
        # An unsaved Lesson carries what the rule reads: the date, the start and the school's time zone.
        begun = rules.lesson_has_begun(Lesson(date=item.date, starts=item.starts, school=school), now)
        result.choices.append(
            SubstitutionChoice(
                lesson=item,
                begun=begun,
                subject_teachers=[t for t in free if t.pk in of_subject],
                other_teachers=[t for t in free if t.pk not in of_subject],
            )
        )
    return result


def _unlisted(lesson: WeekLesson) -> Person:
    """A lesson's teacher who no longer holds the teacher role: named from the lesson itself."""
    return Person(pk=lesson.own_teacher_id, last_name=lesson.own_teacher)
