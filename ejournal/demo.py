"""A deterministic demo school: people, calendar, structure and courses of a realistic Russian school.

`build_demo()` runs the steps below in one transaction; each step returns what
the later ones (and later issues: timetable, lessons, marks) need:

    build_school → build_calendar → build_structure → build_staff → build_courses
    → build_pupils → build_logins → build_bells → build_timetable → build_lessons
    → build_journal (marks, attendance…; the ended periods' finals with build_finals; the mark log)

On a summer day (1 June – 31 August) the year built is the one just ended: its journal is full, every
period's finals and the year finals are in, and then

    end_stays → build_year_end (printouts signed and frozen, the year closed)
    → build_next_year (build_calendar, build_structure, build_courses, build_pupils, build_timetable,
      build_lessons again, for the next year: classes moved up, new first grades)

Every step draws from its own `random.Random` seeded with `"<seed>:<size>:<step>"`, so
adding a step (or changing one) never reshuffles the names of the others.
Everything is written with `bulk_create`; the one password hash is computed
once and shared by every demo login.

`purge_school()` deletes one school's rows for `seed_demo --reset`.
"""

from __future__ import annotations

import datetime
import logging
import math
import random
import time
import zoneinfo
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import AuditEvent, Parent, ParentLink, Person, Role, School, StaffRole, Student
from journal.models import (
    Attendance,
    Cell,
    CourseLock,
    FinalKind,
    FinalMark,
    Homework,
    HomeworkAttachment,
    LessonTopic,
    LockEvent,
    MarkLogEntry,
    MarkLogHead,
    PeriodClosure,
    PlanTopic,
    Remark,
    Work,
    WorkType,
)
from reports.models import Printout, PrintoutSignature
from schedule import calendar as lesson_calendar
from schedule.models import (
    AcademicYear,
    BellDay,
    BellSchedule,
    BellSlot,
    Building,
    Course,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Holiday,
    Lesson,
    PeriodScheme,
    ReportingPeriod,
    Room,
    SchoolClass,
    StudyGroup,
    Subject,
    TimetableEntry,
)
from schedule.selectors import local_today

DEFAULT_SEED = 2026
DEMO_PASSWORD = "demo-school-2026"  # passes the password rules (12+ characters, not common)
BATCH = 1000

# Roles of the fixed demo logins, in the order they are printed and written to JSON.
LOGIN_ROLES = ("admin", "director", "deputy", "class_teacher", "teacher", "student", "parent")
USERNAMES = {
    "admin": "admin",
    "director": "director",
    "deputy": "deputy",
    "class_teacher": "classteacher",
    "teacher": "teacher",
    "student": "student",
    "parent": "parent",
}


class DemoError(Exception):
    """The demo school cannot be built as asked (e.g. a demo login name is taken)."""


# ---------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    name: str
    slug: str
    login_prefix: str
    school_name: str
    school_short: str
    address: str
    classes_per_grade: tuple[int, ...]  # grades 1..11
    class_size: tuple[int, int]  # grades 1–9, inclusive range
    senior_class_size: tuple[int, int]  # grades 10–11
    deputies: int
    rooms: int
    english_rooms: int
    max_load: int  # weekly hours a subject teacher carries before the school needs another one
    arrivals: int
    departures: int
    sibling_rate: float


SIZES = {
    # Tests: one class per grade, except two in grade 6 so that a transfer between classes exists.
    "tiny": Size(
        name="tiny",
        slug="demo-tiny",
        login_prefix="tiny-",
        school_name="Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 3»",
        school_short="МБОУ СОШ № 3",
        address="г. Кострома, ул. Садовая, д. 3",
        classes_per_grade=(1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1),
        class_size=(4, 6),
        senior_class_size=(4, 5),
        deputies=1,
        rooms=28,  # a home room for every class: the timetable needs them
        english_rooms=2,
        max_load=22,  # a teacher's week must fit the 30-odd lessons of a timetable
        arrivals=1,
        departures=1,
        sibling_rate=0.2,
    ),
    "default": Size(
        name="default",
        slug="demo",
        login_prefix="",
        school_name="Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 17»",
        school_short="МБОУ СОШ № 17",
        address="г. Ярославль, ул. Победы, д. 12",
        classes_per_grade=(3, 2, 2, 2, 2, 3, 2, 2, 2, 2, 2),
        class_size=(21, 26),
        senior_class_size=(18, 22),
        deputies=2,
        rooms=40,
        english_rooms=4,
        max_load=22,
        arrivals=3,
        departures=2,
        sibling_rate=0.12,
    ),
    "large": Size(
        name="large",
        slug="demo-large",
        login_prefix="large-",
        school_name="Муниципальное автономное общеобразовательное учреждение «Средняя общеобразовательная школа № 51»",
        school_short="МАОУ СОШ № 51",
        address="г. Казань, пр. Победы, д. 51",
        classes_per_grade=(5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4),
        class_size=(28, 32),
        senior_class_size=(25, 29),
        deputies=2,
        rooms=75,
        english_rooms=8,
        max_load=13,
        arrivals=6,
        departures=5,
        sibling_rate=0.12,
    ),
}
LETTERS = "АБВГДЕЖ"


def get_size(size: str | Size) -> Size:
    if isinstance(size, Size):
        return size
    try:
        return SIZES[size]
    except KeyError:
        raise DemoError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}") from None


def demo_logins(size: str | Size = "default", login_prefix: str | None = None) -> list[dict]:
    """The fixed demo logins of a size: [{"role", "username", "password"}], in LOGIN_ROLES order."""
    prefix = get_size(size).login_prefix if login_prefix is None else login_prefix
    return [{"role": r, "username": prefix + USERNAMES[r], "password": DEMO_PASSWORD} for r in LOGIN_ROLES]


# ---------------------------------------------------------------------------
# Curriculum: subjects, weekly hours per grade, who teaches what
# ---------------------------------------------------------------------------

_ = 0
# name, short name, hours per week for grades 1..11 (0: not taught), no final assessment
SUBJECTS: list[tuple[str, str, tuple[int, ...], bool]] = [
    ("Русский язык", "Рус. яз.", (5, 5, 5, 5, 5, 6, 4, 3, 3, 2, 2), False),
    ("Литературное чтение", "Лит. чт.", (4, 4, 4, 3, _, _, _, _, _, _, _), False),
    ("Литература", "Лит-ра", (_, _, _, _, 3, 3, 2, 2, 3, 3, 3), False),
    ("Английский язык", "Англ. яз.", (_, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3), False),
    ("Математика", "Матем.", (4, 4, 4, 4, 5, 5, _, _, _, _, _), False),
    ("Алгебра", "Алгебра", (_, _, _, _, _, _, 3, 3, 3, 3, 3), False),
    ("Геометрия", "Геом.", (_, _, _, _, _, _, 2, 2, 2, 2, 2), False),
    ("Информатика", "Информ.", (_, _, _, _, _, _, 1, 1, 1, 1, 1), False),
    ("Окружающий мир", "Окр. мир", (2, 2, 2, 2, _, _, _, _, _, _, _), False),
    ("История", "История", (_, _, _, _, 2, 2, 2, 2, 2, 2, 2), False),
    ("Обществознание", "Общ.", (_, _, _, _, _, 1, 1, 1, 1, 2, 2), False),
    ("География", "Геогр.", (_, _, _, _, 1, 1, 2, 2, 2, 1, 1), False),
    ("Биология", "Биол.", (_, _, _, _, 1, 1, 1, 2, 2, 1, 1), False),
    ("Физика", "Физика", (_, _, _, _, _, _, 2, 2, 3, 2, 2), False),
    ("Химия", "Химия", (_, _, _, _, _, _, _, 2, 2, 1, 1), False),
    ("Музыка", "Музыка", (1, 1, 1, 1, 1, 1, 1, 1, _, _, _), False),
    ("Изобразительное искусство", "ИЗО", (1, 1, 1, 1, 1, 1, 1, _, _, _, _), False),
    ("Труд (технология)", "Труд", (1, 1, 1, 1, 2, 2, 2, 1, 1, _, _), False),
    ("Физическая культура", "Физ-ра", (2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2), False),
    ("Основы безопасности и защиты Родины", "ОБЗР", (_, _, _, _, _, _, _, _, _, 1, 1), False),
    # «без аттестации»: no period or year marks; led by each class's class teacher.
    ("Разговоры о важном", "Разг. о важн.", (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), True),
]
ENGLISH = "Английский язык"
TALKS = "Разговоры о важном"
PE = "Физическая культура"
SPORTS_ROOMS = ("Спортивный зал", "Малый спортивный зал", "Тренажёрный зал", "Зал ритмики", "Зал борьбы")
ENGLISH_SPLIT_FROM_GRADE = 2
# Taught by the class's own primary-school teacher in grades 1–4.
PRIMARY_CORE = (
    "Русский язык",
    "Литературное чтение",
    "Математика",
    "Окружающий мир",
    "Изобразительное искусство",
    "Труд (технология)",
)

# Specialisms: a subject teacher teaches the subjects of their specialism (one or two).
# In one class, the subjects of one specialism go to the same teacher (algebra with geometry).
PROFILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "russian": ("Учитель русского языка и литературы", ("Русский язык", "Литература")),
    "math": ("Учитель математики", ("Математика",)),
    "algebra": ("Учитель математики", ("Алгебра", "Геометрия")),
    "english": ("Учитель английского языка", (ENGLISH,)),
    "history": ("Учитель истории и обществознания", ("История", "Обществознание")),
    "geography": ("Учитель географии", ("География",)),
    "biology": ("Учитель биологии и химии", ("Биология", "Химия")),
    "physics": ("Учитель физики и информатики", ("Физика", "Информатика")),
    "music": ("Учитель музыки", ("Музыка",)),
    "art": ("Учитель изобразительного искусства и труда", ("Изобразительное искусство", "Труд (технология)")),
    "pe": (
        "Учитель физической культуры и ОБЗР",
        ("Физическая культура", "Основы безопасности и защиты Родины"),
    ),
}
PRIMARY = "primary"
PRIMARY_POSITION = "Учитель начальных классов"
PROFILE_OF_SUBJECT = {s: p for p, (_pos, subjects) in PROFILES.items() for s in subjects}


_HOURS = {name: h for name, _s, h, _n in SUBJECTS}


def hours(subject: str, grade: int) -> int:
    return _HOURS[subject][grade - 1]


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

SURNAMES = """Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков
Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров
Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев
Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов
Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков
Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов
Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Быков
Маслов Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов
Потапов Журавлёв Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров
Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев
Бирюков Горбунов Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров
Симонов Прокофьев Харитонов Князев Цветков Левин Воронов Аксёнов Мальцев Логинов Горшков Савин Краснов
Майоров Демидов Елисеев Рыбаков Сафонов Плотников Хохлов Жданов Вишневский Покровский Успенский
Троицкий Городецкий Толстой Шевченко Ткаченко Бондаренко Коваленко Ковальчук Черных Седых Долгих""".split()

# name → (patronymic of a son, of a daughter)
MALE_NAMES = {
    "Александр": ("Александрович", "Александровна"),
    "Алексей": ("Алексеевич", "Алексеевна"),
    "Анатолий": ("Анатольевич", "Анатольевна"),
    "Андрей": ("Андреевич", "Андреевна"),
    "Антон": ("Антонович", "Антоновна"),
    "Аркадий": ("Аркадьевич", "Аркадьевна"),
    "Арсений": ("Арсеньевич", "Арсеньевна"),
    "Артём": ("Артёмович", "Артёмовна"),
    "Богдан": ("Богданович", "Богдановна"),
    "Борис": ("Борисович", "Борисовна"),
    "Вадим": ("Вадимович", "Вадимовна"),
    "Валентин": ("Валентинович", "Валентиновна"),
    "Валерий": ("Валерьевич", "Валерьевна"),
    "Василий": ("Васильевич", "Васильевна"),
    "Виктор": ("Викторович", "Викторовна"),
    "Виталий": ("Витальевич", "Витальевна"),
    "Владимир": ("Владимирович", "Владимировна"),
    "Владислав": ("Владиславович", "Владиславовна"),
    "Всеволод": ("Всеволодович", "Всеволодовна"),
    "Вячеслав": ("Вячеславович", "Вячеславовна"),
    "Геннадий": ("Геннадьевич", "Геннадьевна"),
    "Георгий": ("Георгиевич", "Георгиевна"),
    "Глеб": ("Глебович", "Глебовна"),
    "Григорий": ("Григорьевич", "Григорьевна"),
    "Даниил": ("Даниилович", "Данииловна"),
    "Денис": ("Денисович", "Денисовна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Евгений": ("Евгеньевич", "Евгеньевна"),
    "Егор": ("Егорович", "Егоровна"),
    "Захар": ("Захарович", "Захаровна"),
    "Иван": ("Иванович", "Ивановна"),
    "Игорь": ("Игоревич", "Игоревна"),
    "Илья": ("Ильич", "Ильинична"),
    "Кирилл": ("Кириллович", "Кирилловна"),
    "Константин": ("Константинович", "Константиновна"),
    "Лев": ("Львович", "Львовна"),
    "Леонид": ("Леонидович", "Леонидовна"),
    "Макар": ("Макарович", "Макаровна"),
    "Максим": ("Максимович", "Максимовна"),
    "Марк": ("Маркович", "Марковна"),
    "Матвей": ("Матвеевич", "Матвеевна"),
    "Михаил": ("Михайлович", "Михайловна"),
    "Мирон": ("Миронович", "Мироновна"),
    "Никита": ("Никитич", "Никитична"),
    "Николай": ("Николаевич", "Николаевна"),
    "Олег": ("Олегович", "Олеговна"),
    "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"),
    "Платон": ("Платонович", "Платоновна"),
    "Роман": ("Романович", "Романовна"),
    "Руслан": ("Русланович", "Руслановна"),
    "Савелий": ("Савельевич", "Савельевна"),
    "Семён": ("Семёнович", "Семёновна"),
    "Сергей": ("Сергеевич", "Сергеевна"),
    "Станислав": ("Станиславович", "Станиславовна"),
    "Степан": ("Степанович", "Степановна"),
    "Тимофей": ("Тимофеевич", "Тимофеевна"),
    "Тимур": ("Тимурович", "Тимуровна"),
    "Фёдор": ("Фёдорович", "Фёдоровна"),
    "Эдуард": ("Эдуардович", "Эдуардовна"),
    "Юрий": ("Юрьевич", "Юрьевна"),
    "Ярослав": ("Ярославович", "Ярославовна"),
}
# First names by generation: grandfathers give the patronymics of parents and teachers.
GRANDFATHERS = """Александр Алексей Анатолий Андрей Борис Валентин Валерий Василий Виктор Виталий Владимир
Вячеслав Геннадий Георгий Григорий Евгений Иван Игорь Леонид Михаил Николай Олег Павел Пётр Сергей
Станислав Юрий Аркадий Фёдор Дмитрий Эдуард""".split()
MEN = """Александр Алексей Андрей Антон Артём Вадим Виталий Владимир Владислав Денис Дмитрий Евгений Иван
Игорь Илья Кирилл Константин Максим Михаил Никита Николай Олег Павел Роман Руслан Сергей Станислав Юрий
Вячеслав Егор Тимур Валерий Виктор""".split()
WOMEN = """Анна Елена Ольга Наталья Татьяна Екатерина Юлия Ирина Светлана Мария Марина Анастасия Оксана
Ксения Евгения Дарья Надежда Виктория Алёна Валентина Людмила Галина Кристина Алина Вера Любовь Яна
Елизавета Лариса Инна Жанна Нина Тамара Алла Полина""".split()
BOYS = """Александр Максим Михаил Артём Иван Дмитрий Даниил Кирилл Андрей Егор Никита Илья Алексей Матвей
Тимофей Роман Владимир Ярослав Фёдор Георгий Константин Лев Марк Степан Глеб Мирон Платон Макар Савелий
Тимур Арсений Богдан Семён Захар Всеволод Денис Павел Сергей""".split()
GIRLS = """Анна Мария София Алиса Виктория Анастасия Полина Елизавета Александра Дарья Варвара Ксения
Вероника Арина Екатерина Ева Милана Василиса Ульяна Валерия Кира Таисия Алёна Вера Маргарита Злата Есения
Мирослава Юлия Диана Ольга Яна Софья Алина Кристина""".split()

TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),
        strict=True,
    )
)


def translit(text: str) -> str:
    return "".join(TRANSLIT.get(c, c) for c in text.lower()).replace("_", "")


def female_surname(surname: str) -> str:
    """Иванов → Иванова, Вишневский → Вишневская, Толстой → Толстая; Шевченко, Черных stay."""
    for male, female in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая"), ("ый", "ая")):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def surname_for(family: str, gender: str) -> str:
    return family if gender == "m" else female_surname(family)


def patronymic(father_name: str, gender: str) -> str:
    son, daughter = MALE_NAMES[father_name]
    return son if gender == "m" else daughter


def random_date(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def phone(rng: random.Random) -> str:
    return f"+7 9{rng.randint(0, 99):02d} {rng.randint(100, 999)}-{rng.randint(0, 99):02d}-{rng.randint(0, 99):02d}"


def monday_on_or_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def academic_start_year(today: datetime.date) -> int:
    """The year whose 1 September starts the academic year of `today`.

    The summer (1 June – 31 August) belongs to the year just ended: its journal, finals and signed
    printouts are what families look at until 1 September, while the school prepares the next year
    (`build_next_year`)."""
    return today.year if today.month >= 9 else today.year - 1


def in_summer(today: datetime.date, year: AcademicYear) -> bool:
    """Whether `today` falls after the last day of `year` (the summer before the next year starts)."""
    return today > year.ends


# ---------------------------------------------------------------------------
# Results of the steps
# ---------------------------------------------------------------------------


@dataclass
class Calendar:
    year: AcademicYear
    schemes: dict[str, PeriodScheme]
    periods: list[ReportingPeriod]
    holidays: list[Holiday]


@dataclass
class Structure:
    building: Building
    rooms: list[Room]
    subjects: dict[str, Subject]
    classes: list[SchoolClass]
    whole_groups: dict[int, StudyGroup]  # class id → its whole-class group
    subgroups: dict[int, list[StudyGroup]]  # class id → English subgroups 1 and 2
    room_subjects: list[tuple[str, ...]] = field(default_factory=list)  # each room's subjects, as `rooms`


@dataclass
class Staff:
    admin: Person
    director: Person
    deputies: list[Person]
    teachers: list[Person]
    profile: dict[int, str]  # teacher person id → specialism key (PROFILES or PRIMARY)


@dataclass
class Courses:
    courses: list[Course]
    teacher: dict[int, Person]  # course id → its teacher
    class_teacher: dict[int, Person]  # class id → class teacher
    demo_class: SchoolClass
    demo_class_teacher: Person
    demo_teacher: Person


@dataclass
class Continuity:
    """What a class of the next year keeps of its predecessor (`build_courses`)."""

    teacher: dict[tuple[int, str, int], int]  # (class id, specialism, n-th bundle of it) → teacher id
    class_teacher: dict[int, int]  # class id → the predecessor's class teacher id
    demo_class: SchoolClass
    demo_class_teacher: Person


@dataclass
class Pupils:
    students: list[Student]
    parents: list[Parent]
    links: list[ParentLink]
    enrollments: list[Enrollment]
    memberships: list[GroupMembership]
    demo_student: Person | None  # None for the newcomers of a next year
    demo_parent: Person | None
    movements: list[str]  # human-readable notes of arrivals, departures, the transfer


@dataclass
class DemoLogin:
    role: str
    username: str
    password: str
    person: Person
    note: str = ""

    def as_dict(self) -> dict:
        return {"role": self.role, "username": self.username, "password": self.password}


@dataclass
class DemoSchool:
    school: School
    size: Size
    calendar: Calendar
    structure: Structure
    staff: Staff
    courses: Courses
    pupils: Pupils
    logins: list[DemoLogin]
    timetable: Timetable | None = None
    journal: Journal | None = None
    counts: dict[str, int] = field(default_factory=dict)
    year_end: YearEnd | None = None  # in the summer: the printouts signed, the year closed
    next_year: NextYear | None = None  # in the summer: the next year prepared


class Ctx:
    """What every step needs: the school, the size, a seeded random stream per step."""

    def __init__(self, school: School, size: Size, seed: int, today: datetime.date, login_prefix: str):
        self.school = school
        self.size = size
        self.seed = seed
        self.today = today
        self.login_prefix = login_prefix

    def rng(self, step: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.size.name}:{step}")


# ---------------------------------------------------------------------------
# The steps
# ---------------------------------------------------------------------------


def build_demo(
    *,
    size: str | Size = "default",
    slug: str | None = None,
    seed: int = DEFAULT_SEED,
    today: datetime.date | None = None,
    login_prefix: str | None = None,
) -> DemoSchool:
    """Build the demo school `slug` (by default the size's) in one transaction."""
    size = get_size(size)
    explicit_today = today
    today = today or timezone.localdate()
    slug = slug or size.slug
    prefix = size.login_prefix if login_prefix is None else login_prefix
    if School.objects.filter(slug=slug).exists():
        raise DemoError(f"school {slug!r} already exists")
    renders = ExitStack()  # left after the commit, whose callbacks it serves
    with renders, transaction.atomic():
        school = build_school(size, slug)
        ctx = Ctx(school, size, seed, today, prefix)
        # The journal is filled up to yesterday: of `today` if given, else of the school's time zone.
        ctx.journal_today = explicit_today or local_today(school)
        calendar = build_calendar(ctx)
        structure = build_structure(ctx, calendar)
        staff = build_staff(ctx, structure)
        courses = build_courses(ctx, calendar, structure, staff)
        pupils = build_pupils(ctx, calendar, structure, courses)
        logins = build_logins(ctx, staff, courses, pupils)
        bells = build_bells(ctx, calendar)
        timetable = build_timetable(ctx, calendar, structure, courses, bells)
        timetable.lessons = build_lessons(ctx, calendar)
        journal = build_journal(ctx, calendar, structure, courses, pupils)
        demo = DemoSchool(
            school, size, calendar, structure, staff, courses, pupils, logins, timetable, journal
        )
        if in_summer(ctx.journal_today, calendar.year):
            end_stays(calendar, pupils, structure)
            renders.enter_context(renders_in_process())
            demo.year_end = build_year_end(ctx, demo)
            demo.next_year = build_next_year(ctx, demo)
            moved = demo.next_year.courses.demo_class.name
            for login in logins:
                if login.role in ("class_teacher", "student"):
                    login.note += f", с 1 сентября {moved}"
        demo.counts = count_rows(school)
    return demo


@contextmanager
def renders_in_process():
    """Printout renders that the sign-off services enqueue after the commit run in this process, not on
    the broker: the builder has rendered the printouts already, so these find them frozen and return
    (quietly: Celery's line per task run would fill the command's output)."""
    from reports.tasks import render_printout_task

    conf = render_printout_task.app.conf
    trace = logging.getLogger("celery.app.trace")
    saved = conf.task_always_eager, trace.level
    conf.task_always_eager = True
    trace.setLevel(logging.WARNING)
    try:
        yield
    finally:
        conf.task_always_eager = saved[0]
        trace.setLevel(saved[1])


def build_school(size: Size, slug: str) -> School:
    return School.objects.create(
        name=size.school_name,
        short_name=size.school_short,
        slug=slug,
        address=size.address,
        require_staff_2fa=False,
    )


def build_calendar(ctx: Ctx, start_year: int | None = None) -> Calendar:
    """The academic year starting on 1 September of `start_year` (default: the year of `today`):
    quarters for grades 1–9, half-years for 10–11, holidays."""
    school = ctx.school
    y = academic_start_year(ctx.today) if start_year is None else start_year
    d = datetime.date
    year = AcademicYear.objects.create(
        school=school, name=f"{y}/{y + 1}", starts=d(y, 9, 1), ends=d(y + 1, 5, 31)
    )
    quarters = PeriodScheme(
        school=school, year=year, kind=PeriodScheme.Kind.QUARTERS, grades=list(range(1, 10))
    )
    halves = PeriodScheme(school=school, year=year, kind=PeriodScheme.Kind.HALVES, grades=[10, 11])
    PeriodScheme.objects.bulk_create([quarters, halves])
    spans = {
        quarters: [
            ("1 четверть", d(y, 9, 1), d(y, 10, 24)),
            ("2 четверть", d(y, 11, 5), d(y, 12, 28)),
            ("3 четверть", d(y + 1, 1, 12), d(y + 1, 3, 20)),
            ("4 четверть", d(y + 1, 3, 30), d(y + 1, 5, 31)),
        ],
        halves: [
            ("1 полугодие", d(y, 9, 1), d(y, 12, 28)),
            ("2 полугодие", d(y + 1, 1, 12), d(y + 1, 5, 31)),
        ],
    }
    periods = ReportingPeriod.objects.bulk_create(
        [
            ReportingPeriod(school=school, scheme=scheme, number=n, name=name, starts=a, ends=b)
            for scheme, rows in spans.items()
            for n, (name, a, b) in enumerate(rows, start=1)
        ]
    )
    february = monday_on_or_after(d(y + 1, 2, 9))
    holidays = Holiday.objects.bulk_create(
        [
            Holiday(school=school, year=year, name="Осенние каникулы", starts=d(y, 10, 25), ends=d(y, 11, 4)),
            Holiday(
                school=school, year=year, name="Зимние каникулы", starts=d(y, 12, 29), ends=d(y + 1, 1, 11)
            ),
            Holiday(
                school=school,
                year=year,
                name="Дополнительные каникулы для первых классов",
                starts=february,
                ends=february + datetime.timedelta(days=6),
                grades=[1],
            ),
            Holiday(
                school=school,
                year=year,
                name="Весенние каникулы",
                starts=d(y + 1, 3, 21),
                ends=d(y + 1, 3, 29),
            ),
        ]
    )
    return Calendar(year, {"quarters": quarters, "halves": halves}, periods, holidays)


def build_structure(
    ctx: Ctx,
    calendar: Calendar,
    grades: list[tuple[int, str]] | None = None,
    premises: Structure | None = None,
) -> Structure:
    """Building, rooms (with their subjects), subjects, classes, whole-class groups, English subgroups.

    `grades`: the (grade, letter) of each class, by default the size's; `premises`: the structure of an
    earlier year whose building, rooms and subjects the classes of `calendar`'s year keep."""
    school, size, year = ctx.school, ctx.size, calendar.year
    if premises is None:
        subjects = Subject.objects.bulk_create(
            [
                Subject(
                    school=school,
                    name=name,
                    short_name=short,
                    no_final_assessment=nfa,
                    position=(i + 1) * 10,
                )
                for i, (name, short, _h, nfa) in enumerate(SUBJECTS)
            ]
        )
        subjects = {s.name: s for s in subjects}
    else:
        subjects = premises.subjects
    if grades is None:
        grades = [
            (grade, LETTERS[i])
            for grade, count in enumerate(size.classes_per_grade, start=1)
            for i in range(count)
        ]
    classes = SchoolClass.objects.bulk_create(
        [SchoolClass(school=school, year=year, grade=grade, letter=letter) for grade, letter in grades]
    )
    whole = StudyGroup.objects.bulk_create(
        [
            StudyGroup(
                school=school,
                year=year,
                kind=StudyGroup.Kind.WHOLE_CLASS,
                name=c.name,
                grade=c.grade,
                school_class=c,
            )
            for c in classes
        ]
    )
    split = StudyGroup.objects.bulk_create(
        [
            StudyGroup(
                school=school,
                year=year,
                kind=StudyGroup.Kind.SUBGROUP,
                name=f"{c.name} англ. яз., {n} гр.",
                grade=c.grade,
                school_class=c,
            )
            for c in classes
            if c.grade >= ENGLISH_SPLIT_FROM_GRADE
            for n in (1, 2)
        ]
    )
    subgroups = defaultdict(list)
    for g in split:
        subgroups[g.school_class_id].append(g)
    whole_groups = {g.school_class_id: g for g in whole}
    if premises is not None:
        return Structure(
            premises.building,
            premises.rooms,
            subjects,
            classes,
            whole_groups,
            dict(subgroups),
            premises.room_subjects,
        )

    building = Building.objects.create(school=school, name="Главный корпус", address=size.address)
    rooms, room_subjects = plan_rooms(
        size, sum(1 for c in classes if c.grade <= 4), sports_rooms_needed(classes)
    )
    rooms = Room.objects.bulk_create(
        [Room(school=school, building=building, name=name, capacity=cap) for name, cap, _s in rooms]
    )
    Through = Room.subjects.through
    Through.objects.bulk_create(
        [
            Through(room_id=room.id, subject_id=subjects[s].id)
            for room, names in zip(rooms, room_subjects, strict=True)
            for s in names
        ]
    )
    return Structure(building, rooms, subjects, classes, whole_groups, dict(subgroups), room_subjects)


def sports_rooms_needed(classes) -> int:
    """Halls for PE: one per 25 weekly PE lessons (a hall holds one class at a time), at least two."""
    lessons = sum(hours(PE, c.grade) for c in classes)
    return min(len(SPORTS_ROOMS), max(2, math.ceil(lessons / 25)))


def plan_rooms(
    size: Size, primary_classes: int, sports_rooms: int = 2
) -> tuple[list[tuple[str, int, tuple]], list[tuple]]:
    """Room names, seats and subjects: primary homerooms on floor 1, subject rooms and labs above."""
    floors = defaultdict(int)

    def number(floor):
        floors[floor] += 1
        return f"{floor}{floors[floor]:02d}"

    rooms = [(name, 60 if i == 0 else 30, (PE,)) for i, name in enumerate(SPORTS_ROOMS[:sports_rooms])]
    rooms += [("Мастерская", 16, ("Труд (технология)",))]
    rooms += [(number(1), 28, ()) for _ in range(primary_classes)]
    rooms += [
        (number(1), 30, ("Музыка",)),
        (number(1), 26, ("Изобразительное искусство",)),
        (number(1), 16, ("Труд (технология)",)),
        (number(1), 30, ("Основы безопасности и защиты Родины",)),
        (number(3), 28, ("Физика",)),
        (number(3), 28, ("Химия",)),
        (number(3), 28, ("Биология",)),
        (number(3), 15, ("Информатика",)),
        (number(3), 15, ("Информатика",)),
    ]
    rooms += [(number(3), 15, (ENGLISH,)) for _ in range(size.english_rooms)]
    cycle = [
        ("Русский язык", "Литература"),
        ("Алгебра", "Геометрия", "Математика"),
        ("История", "Обществознание"),
        ("Русский язык", "Литература"),
        ("Алгебра", "Геометрия", "Математика"),
        ("География",),
        (),
    ]
    i = 0
    while len(rooms) < size.rooms:
        rooms.append((number(2 if floors[2] < 25 else 4), 30, cycle[i % len(cycle)]))
        i += 1
    return rooms, [r[2] for r in rooms]


def class_bundles(structure: Structure) -> list[tuple[SchoolClass, StudyGroup, str, list[str]]]:
    """What one teacher takes in one class: (class, group, specialism, subjects).

    Grades 1–4: the class's primary teacher takes the core subjects; English,
    music and PE go to specialists. «Разговоры о важном» is left for the class
    teacher and is not in any bundle.
    """
    bundles = []
    for c in structure.classes:
        by_profile = defaultdict(list)
        for name, _short, h, _n in SUBJECTS:
            if not h[c.grade - 1] or name == TALKS:
                continue
            profile = PRIMARY if c.grade <= 4 and name in PRIMARY_CORE else PROFILE_OF_SUBJECT[name]
            by_profile[profile].append(name)
        for profile, names in by_profile.items():
            if profile == "english" and c.id in structure.subgroups:
                bundles += [(c, g, profile, names) for g in structure.subgroups[c.id]]
            else:
                bundles.append((c, structure.whole_groups[c.id], profile, names))
    return bundles


def bundle_hours(bundle) -> int:
    c, _g, _p, names = bundle
    return sum(hours(n, c.grade) for n in names)


class People:
    """Creates Person rows in memory with names of the right gender and generation."""

    def __init__(self, school: School, rng: random.Random):
        self.school = school
        self.rng = rng
        self.rows: list[Person] = []

    def add(self, last, first, patr, born=None, email="", tel="") -> Person:
        person = Person(
            school=self.school,
            last_name=last,
            first_name=first,
            patronymic=patr,
            birth_date=born,
            email=email,
            phone=tel,
        )
        self.rows.append(person)
        return person

    def adult(self, gender: str, born_from: int, born_to: int, family: str | None = None, email_domain=""):
        rng = self.rng
        family = family or rng.choice(SURNAMES)
        first = rng.choice(MEN if gender == "m" else WOMEN)
        last = surname_for(family, gender)
        patr = patronymic(rng.choice(GRANDFATHERS), gender)
        born = random_date(rng, datetime.date(born_from, 1, 1), datetime.date(born_to, 12, 31))
        email = (
            f"{translit(last)}.{translit(first[0])}{translit(patr[0])}@{email_domain}" if email_domain else ""
        )
        return self.add(last, first, patr, born, email, phone(rng))

    def save(self) -> list[Person]:
        return Person.objects.bulk_create(self.rows, batch_size=BATCH)


def build_staff(ctx: Ctx, structure: Structure) -> Staff:
    """Admin, director, deputies and as many teachers of each specialism as the hours need."""
    rng = ctx.rng("staff")
    school, size = ctx.school, ctx.size
    domain = f"{school.slug}.school.example"
    people = People(school, rng)
    admin = people.adult(rng.choice("ff"), 1980, 1992, email_domain=domain)
    director = people.adult(rng.choice("fm"), 1966, 1976, email_domain=domain)
    deputies = [people.adult("f", 1970, 1985, email_domain=domain) for _ in range(size.deputies)]

    load = defaultdict(int)
    for bundle in class_bundles(structure):
        load[bundle[2]] += bundle_hours(bundle)
    plan: list[str] = []
    for profile in [PRIMARY, *PROFILES]:
        if profile == PRIMARY:
            n = sum(1 for c in structure.classes if c.grade <= 4)
        else:
            n = max(1, math.ceil(load[profile] / size.max_load))
            if profile == "english":
                n = max(2, n)  # two subgroups of a class have two different teachers
        plan += [profile] * n
    teachers, profile = [], {}
    for p in plan:
        gender = "f" if p == PRIMARY or rng.random() < 0.8 else "m"
        teachers.append((people.adult(gender, 1962, 2001, email_domain=domain), p))
    people.save()

    roles = [
        StaffRole(
            school=school, person=admin, role=Role.ADMIN, position="Администратор электронного журнала"
        ),
        StaffRole(school=school, person=director, role=Role.DIRECTOR, position="Директор"),
        *[
            StaffRole(
                school=school,
                person=d,
                role=Role.DEPUTY,
                position="Заместитель директора по учебно-воспитательной работе",
            )
            for d in deputies
        ],
        *[
            StaffRole(
                school=school,
                person=t,
                role=Role.TEACHER,
                position=PRIMARY_POSITION if p == PRIMARY else PROFILES[p][0],
            )
            for t, p in teachers
        ],
    ]
    StaffRole.objects.bulk_create(roles)
    for t, p in teachers:
        profile[t.id] = p
    return Staff(admin, director, deputies, [t for t, _p in teachers], profile)


def build_courses(
    ctx: Ctx, calendar: Calendar, structure: Structure, staff: Staff, keep: Continuity | None = None
) -> Courses:
    """Courses of every class and subgroup with one teacher each; class teachers; Subject.teachers.

    Teachers of a specialism share its classes by load. Each secondary class
    gets as class teacher one of the teachers who teach it (at most one class
    each); the class teacher also leads «Разговоры о важном» in the class. The
    demo class is 5А: its Russian teacher leads it, its maths teacher leads no
    class (the `teacher` demo login).

    `keep` (the next year): each class keeps the teachers its predecessor had for the same
    specialism and its class teacher when they still teach it; the teachers of the primary classes
    that left for the fifth grade take the new first grades; the demo class is the old one's
    successor, led by the same class teacher.
    """
    rng = ctx.rng("courses" if keep is None else "courses:next")
    school, year = ctx.school, calendar.year
    bundles = class_bundles(structure)
    by_profile = defaultdict(list)
    for t in staff.teachers:
        by_profile[staff.profile[t.id]].append(t)
    for group in by_profile.values():
        rng.shuffle(group)
    teachers_by_id = {t.id: t for t in staff.teachers}
    kept = keep.teacher if keep is not None else {}

    # Who takes each bundle: the teacher kept from last year, else the least-loaded teacher of the
    # specialism, in class order.
    load = defaultdict(int)
    taker: dict[int, Person] = {}  # bundle index → teacher
    staying = {t for (_c, p, _n), t in kept.items() if p == PRIMARY}
    primary_teachers = iter([t for t in by_profile[PRIMARY] if t.id not in staying])
    in_class = defaultdict(dict)  # class id → teacher id → hours
    here = defaultdict(set)  # (class id, specialism) → teachers already there (the other English subgroup)
    seen = defaultdict(int)  # (class id, specialism) → its bundles so far (English subgroups 1 and 2)
    for i, b in enumerate(bundles):
        c, g, p, _names = b
        t = teachers_by_id.get(kept.get((c.id, p, seen[c.id, p])))
        seen[c.id, p] += 1
        if t is None or t.id in here[c.id, p]:
            if p == PRIMARY:
                t = next(primary_teachers, None)
                if t is None:
                    raise DemoError("more primary classes than primary teachers")
            else:
                t = min(by_profile[p], key=lambda t: (t.id in here[c.id, p], load[t.id]))
        here[c.id, p].add(t.id)
        taker[i] = t
        load[t.id] += bundle_hours(b)
        in_class[c.id][t.id] = in_class[c.id].get(t.id, 0) + bundle_hours(b)

    if keep is not None:
        demo_class = keep.demo_class
    else:
        demo_class = next(c for c in structure.classes if c.grade == 5 and c.letter == LETTERS[0])
    demo_bundles = [(bundles[i][2], taker[i]) for i in taker if bundles[i][0] is demo_class]
    russian = next((t for p, t in demo_bundles if p == "russian"), None)
    maths = next((t for p, t in demo_bundles if p == "math"), None)

    # Class teachers: primary classes keep their primary teacher; secondary ones by matching.
    class_teacher: dict[int, Person] = {}
    for i, b in enumerate(bundles):
        if b[2] == PRIMARY:
            class_teacher[b[0].id] = taker[i]
    leads: dict[int, int] = {t.id: c for c, t in class_teacher.items()}  # teacher id → class id
    lead = keep.demo_class_teacher if keep is not None else russian
    if lead is not None:
        class_teacher[demo_class.id] = lead
        leads[lead.id] = demo_class.id
    reserved = {maths.id} if maths is not None else set()
    fixed = {demo_class.id}  # classes whose class teacher the matching below must not take away
    for c in structure.classes if keep is not None else ():
        t = keep.class_teacher.get(c.id)
        if c.grade > 4 and c.id not in class_teacher and t in in_class[c.id] and t not in leads:
            class_teacher[c.id] = teachers_by_id[t]
            leads[t] = c.id
            fixed.add(c.id)

    def candidates(c):
        ids = [t for t in in_class[c.id] if t not in reserved and staff.profile[t] != PRIMARY]
        rng.shuffle(ids)
        return sorted(ids, key=lambda t: -in_class[c.id][t])

    def augment(c, seen) -> bool:
        for t in candidates(c):
            if t in seen:
                continue
            seen.add(t)
            other = leads.get(t)
            if other is None or (other not in fixed and augment(by_class_id[other], seen)):
                leads[t] = c.id
                return True
        return False

    by_class_id = {c.id: c for c in structure.classes}
    for c in structure.classes:
        if c.id not in class_teacher and c.grade > 4 and c.id not in leads.values():
            augment(c, set())
    for t, c in leads.items():
        class_teacher[c] = teachers_by_id[t]
    for c in structure.classes:
        if c.id not in class_teacher:  # no free teacher of the class: the one with most hours there
            class_teacher[c.id] = teachers_by_id[max(in_class[c.id], key=in_class[c.id].get)]
    SchoolClass.objects.bulk_update(
        [_set(c, class_teacher=class_teacher[c.id]) for c in structure.classes], ["class_teacher"]
    )

    # Courses: one per subject of a bundle, plus «Разговоры о важном» for the class teacher.
    courses, teacher_of = [], []
    subjects = structure.subjects
    for i, (c, g, _p, names) in enumerate(bundles):
        for name in names:
            courses.append(
                Course(
                    school=school,
                    year=year,
                    subject=subjects[name],
                    group=g,
                    hours_per_week=Decimal(hours(name, c.grade)),
                )
            )
            teacher_of.append(taker[i])
    for c in structure.classes:
        courses.append(
            Course(
                school=school,
                year=year,
                subject=subjects[TALKS],
                group=structure.whole_groups[c.id],
                hours_per_week=Decimal(hours(TALKS, c.grade)),
            )
        )
        teacher_of.append(class_teacher[c.id])
    courses = Course.objects.bulk_create(courses, batch_size=BATCH)
    CourseTeacher.objects.bulk_create(
        [
            CourseTeacher(school=school, course=course, teacher=t, starts=year.starts)
            for course, t in zip(courses, teacher_of, strict=True)
        ],
        batch_size=BATCH,
    )
    Through = Subject.teachers.through
    pairs = sorted({(course.subject_id, t.id) for course, t in zip(courses, teacher_of, strict=True)})
    Through.objects.bulk_create(
        [Through(subject_id=s, person_id=p) for s, p in pairs], batch_size=BATCH, ignore_conflicts=True
    )

    demo_class_teacher = class_teacher[demo_class.id]
    leaders = {t.id for t in class_teacher.values()}
    here_free = [
        teachers_by_id[t]
        for t in sorted(in_class[demo_class.id], key=lambda t: -in_class[demo_class.id][t])
        if t not in leaders
    ]
    anywhere_free = [t for t in staff.teachers if t.id not in leaders]
    if maths is not None and maths.id not in leaders:
        demo_teacher = maths
    elif here_free or anywhere_free:
        demo_teacher = (here_free or anywhere_free)[0]
    else:
        raise DemoError("every teacher leads a class: no subject teacher for the `teacher` demo login")
    return Courses(
        courses=courses,
        teacher={course.id: t for course, t in zip(courses, teacher_of, strict=True)},
        class_teacher=class_teacher,
        demo_class=demo_class,
        demo_class_teacher=demo_class_teacher,
        demo_teacher=demo_teacher,
    )


def _set(obj, **values):
    for k, v in values.items():
        setattr(obj, k, v)
    return obj


ARRIVED_FROM = [
    "МБОУ «СОШ № 7», г. Кострома",
    "МАОУ «Гимназия № 2», г. Вологда",
    "ГБОУ Школа № 1357, г. Москва",
    "МБОУ «СОШ № 24», г. Иваново",
    "МОУ «Лицей № 1», г. Тверь",
    "МБОУ «СОШ № 5», г. Рыбинск",
]
LEFT_FOR = [
    "МОУ «СОШ № 43», г. Ярославль (переезд)",
    "ГБОУ «Лицей № 239», г. Санкт-Петербург",
    "МАОУ «СОШ № 12», г. Казань",
    "семейное обучение",
    "МБОУ «Гимназия № 3», г. Владимир",
]


def student_birth_range(grade: int, start_year: int) -> tuple[datetime.date, datetime.date]:
    """Born so as to be 6½–7½ on 1 September of the first grade."""
    return datetime.date(start_year - 6 - grade, 3, 1), datetime.date(start_year - 5 - grade, 2, 28)


def build_pupils(
    ctx: Ctx,
    calendar: Calendar,
    structure: Structure,
    courses: Courses,
    newcomers: list[SchoolClass] | None = None,
) -> Pupils:
    """Families (one or two parents, one or two children in different classes), enrollments, subgroups, movement.

    `newcomers`: fill only these classes (the next year's new first grades) with new families, from
    the year's first day, without the demo family and without movement."""
    school, size, year = ctx.school, ctx.size, calendar.year
    start_year = year.starts.year
    rng = ctx.rng("pupils" if newcomers is None else f"pupils:{start_year}")
    people = People(school, rng)
    classes = structure.classes if newcomers is None else newcomers
    seats = {
        c.id: rng.randint(*(size.senior_class_size if c.grade >= 10 else size.class_size)) for c in classes
    }
    names_in_class = defaultdict(set)
    # Each child: (person, class, starts, arrival note); each family: (parents [(person, relation)], children)
    families = []

    def child(family, father, c, gender=None):
        gender = gender or rng.choice("mf")
        for _attempt in range(20):
            first = rng.choice(BOYS if gender == "m" else GIRLS)
            last = surname_for(family, gender)
            if (last, first) not in names_in_class[c.id]:
                break
        names_in_class[c.id].add((last, first))
        born = random_date(rng, *student_birth_range(c.grade, start_year))
        if rng.random() < 0.03:  # started school a year later
            born -= datetime.timedelta(days=365)
        return people.add(last, first, patronymic(father, gender), born)

    def family(c, second=None, both=None, arrival=None):
        surname = rng.choice(SURNAMES)
        father = rng.choice(MEN)
        kids = [(child(surname, father, c), c)]
        seats[c.id] -= 1
        if second is not None:
            kids.append((child(surname, father, second), second))
            seats[second.id] -= 1
        oldest = min(k.birth_date.year for k, _c in kids)
        mother_born = oldest - rng.randint(22, 38)
        r = rng.random() if both is None else 0.0
        parents = []
        if r < 0.93:  # a mother, who now and then kept her own surname
            last = female_surname(surname if rng.random() < 0.9 else rng.choice(SURNAMES))
            m = people.add(
                last,
                rng.choice(WOMEN),
                patronymic(rng.choice(GRANDFATHERS), "f"),
                random_date(rng, datetime.date(mother_born, 1, 1), datetime.date(mother_born, 12, 31)),
                _email(rng, last),
                phone(rng),
            )
            parents.append((m, ParentLink.Relation.MOTHER))
        if r < 0.6 or r >= 0.93:  # a father: with the mother in most families, alone in a few
            fb = mother_born - rng.randint(-2, 6)
            f = people.add(
                surname,
                father,
                patronymic(rng.choice(GRANDFATHERS), "m"),
                random_date(rng, datetime.date(fb, 1, 1), datetime.date(fb, 12, 31)),
                _email(rng, surname),
                phone(rng),
            )
            parents.append((f, ParentLink.Relation.FATHER))
        families.append((parents, [(k, kc, arrival) for k, kc in kids]))
        return parents, kids

    # The demo family: mother and father, a child in 5А (the demo student) and a younger one in 2nd grade.
    demo_parent = demo_student = None
    demo_kids = []
    if newcomers is None:
        sibling_class = [c for c in classes if c.grade == 2][-1]
        demo_parents, demo_kids = family(courses.demo_class, sibling_class, both=True)
        demo_parent = demo_parents[0][0]
        demo_student = demo_kids[0][0]

    order = list(classes)
    rng.shuffle(order)
    for c in order:
        while seats[c.id] > 0:
            second = None
            if rng.random() < size.sibling_rate:
                others = [o for o in classes if o.grade != c.grade and seats[o.id] > 0]
                second = rng.choice(others) if others else None
            family(c, second)

    # Movement: a few arrive after 1 September.
    movements = []
    d = datetime.date
    arrival_days = [
        monday_on_or_after(x) for x in (d(start_year, 9, 21), d(start_year, 10, 12), d(start_year, 11, 9))
    ]
    for i in range(size.arrivals if newcomers is None else 0):
        c = rng.choice([x for x in classes if x.grade > 1])
        day = arrival_days[i % len(arrival_days)]
        _p, kids = family(c, arrival=(day, rng.choice(ARRIVED_FROM)))
        movements.append(f"{kids[0][0].full_name}: прибыл(а) в {c.name} с {day:%d.%m.%Y}")
    people.save()

    students = Student.objects.bulk_create(
        [Student(school=school, person=k) for _p, kids in families for k, _c, _a in kids], batch_size=BATCH
    )
    student_of = {s.person_id: s for s in students}
    parents = Parent.objects.bulk_create(
        [Parent(school=school, person=p) for ps, _k in families for p, _r in ps], batch_size=BATCH
    )
    parent_of = {p.person_id: p for p in parents}
    links = ParentLink.objects.bulk_create(
        [
            ParentLink(school=school, parent=parent_of[p.id], student=student_of[k.id], relation=rel)
            for ps, kids in families
            for p, rel in ps
            for k, _c, _a in kids
        ],
        batch_size=BATCH,
    )

    # Enrollments: (student, class, starts, ends, arrival note, departure note)
    stays = []
    for _ps, kids in families:
        for k, c, arrival in kids:
            starts, note = arrival or (year.starts, "")
            stays.append([student_of[k.id], c, starts, None, note, ""])

    untouchable = {k.id for k, _c in demo_kids}
    regular = [s for s in stays if s[2] == year.starts and s[0].person_id not in untouchable]
    leave_days = [d(start_year, 10, 24), d(start_year, 11, 13), d(start_year, 10, 9)]
    for i, stay in enumerate(rng.sample(regular, size.departures if newcomers is None else 0)):
        stay[3] = leave_days[i % len(leave_days)]
        stay[5] = rng.choice(LEFT_FOR)
        movements.append(f"{stay[0].person.full_name}: выбыл(а) из {stay[1].name} после {stay[3]:%d.%m.%Y}")
    # One transfer between two classes of a grade, from the second quarter.
    for grade in (6, 7, 5, 8, 9, 3, 4, 2, 10, 11) if newcomers is None else ():
        pair = [c for c in classes if c.grade == grade][:2]
        movers = [s for s in regular if s[1] is pair[0] and s[3] is None] if len(pair) == 2 else []
        if movers:
            stay = rng.choice(movers)
            moved_on = calendar.periods[1].starts  # first day of the 2nd quarter
            stay[3] = moved_on - datetime.timedelta(days=1)
            stay[5] = f"перевод в {pair[1].name}"
            stays.append([stay[0], pair[1], moved_on, None, f"перевод из {pair[0].name}", ""])
            movements.append(
                f"{stay[0].person.full_name}: переведён(а) из {pair[0].name} в {pair[1].name} "
                f"с {moved_on:%d.%m.%Y}"
            )
            break

    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                school=school, student=s, school_class=c, starts=a, ends=b, arrival_note=an, departure_note=dn
            )
            for s, c, a, b, an, dn in stays
        ],
        batch_size=BATCH,
    )

    memberships = split_subgroups(school, year, structure, enrollments)
    return Pupils(students, parents, links, enrollments, memberships, demo_student, demo_parent, movements)


def split_subgroups(
    school: School, year: AcademicYear, structure: Structure, enrollments: list[Enrollment]
) -> list[GroupMembership]:
    """English subgroups: the class list split in two halves by name; late arrivals join the smaller half."""
    memberships = []
    by_class = defaultdict(list)
    for e in enrollments:
        by_class[e.school_class_id].append(e)
    for class_id, groups in structure.subgroups.items():
        if class_id not in by_class:
            continue
        stays_here = by_class[class_id]
        first = sorted(
            (e for e in stays_here if e.starts == year.starts),
            key=lambda e: (e.student.person.last_name, e.student.person.first_name),
        )
        half = (len(first) + 1) // 2
        sizes = [0, 0]
        for n, e in enumerate(first):
            k = 0 if n < half else 1
            sizes[k] += 1
            memberships.append(
                GroupMembership(
                    school=school, student=e.student, group=groups[k], starts=e.starts, ends=e.ends
                )
            )
        for e in sorted(stays_here, key=lambda e: (e.starts, e.student.person.last_name)):
            if e.starts == year.starts:
                continue
            k = 0 if sizes[0] <= sizes[1] else 1
            sizes[k] += 1
            memberships.append(
                GroupMembership(
                    school=school, student=e.student, group=groups[k], starts=e.starts, ends=e.ends
                )
            )
    return GroupMembership.objects.bulk_create(memberships, batch_size=BATCH)


def _email(rng: random.Random, last_name: str) -> str:
    """Most parents leave an e-mail (on reserved .example domains)."""
    if rng.random() < 0.4:
        return ""
    return f"{translit(last_name)}{rng.randint(1, 99)}@{rng.choice(['mail.example', 'post.example', 'inbox.example'])}"


def build_logins(ctx: Ctx, staff: Staff, courses: Courses, pupils: Pupils) -> list[DemoLogin]:
    """Logins for all staff and the demo student and parent; one password hash shared by all."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    prefix = ctx.login_prefix
    fixed = {
        "admin": staff.admin,
        "director": staff.director,
        "deputy": staff.deputies[0],
        "class_teacher": courses.demo_class_teacher,
        "teacher": courses.demo_teacher,
        "student": pupils.demo_student,
        "parent": pupils.demo_parent,
    }
    wanted: dict[int, tuple[Person, str]] = {p.id: (p, prefix + USERNAMES[r]) for r, p in fixed.items()}
    others = [p for p in [*staff.deputies[1:], *staff.teachers] if p.id not in wanted]

    # Fixed names must be free, or belong to an orphan login left behind by --reset (reused).
    fixed_names = [u for _p, u in wanted.values()]
    existing = {
        u.username.lower(): u for u in User.objects.annotate(l=Lower("username")).filter(l__in=fixed_names)
    }
    for name, user in existing.items():
        if user.people.exists():
            raise DemoError(f"the login {name!r} already belongs to someone; use another --slug or size")

    taken = set()
    candidates = {}
    for p in others:
        base = f"{prefix}{translit(p.last_name)}.{translit(p.first_name[0])}{translit(p.patronymic[:1])}"
        candidates[p.id] = base
    taken |= {
        u.lower()
        for u in User.objects.annotate(l=Lower("username"))
        .filter(
            l__in=list(candidates.values()) + [f"{b}{n}" for b in candidates.values() for n in range(2, 4)]
        )
        .values_list("username", flat=True)
    }
    taken |= {u.lower() for u in fixed_names}
    for p in others:
        name, n = candidates[p.id], 1
        while name.lower() in taken:
            n += 1
            name = f"{candidates[p.id]}{n}"
        taken.add(name.lower())
        wanted[p.id] = (p, name)

    def fill(user, person, username):
        user.username = username
        user.password = password
        user.first_name, user.last_name, user.patronymic = (
            person.first_name,
            person.last_name,
            person.patronymic,
        )
        user.email = person.email
        user.last_school = ctx.school
        user.is_active = True
        return user

    reuse = [fill(existing[u.lower()], p, u) for p, u in wanted.values() if u.lower() in existing]
    if reuse:
        User.objects.bulk_update(
            reuse, ["password", "first_name", "last_name", "patronymic", "email", "last_school", "is_active"]
        )
    new = User.objects.bulk_create(
        [fill(User(), p, u) for p, u in wanted.values() if u.lower() not in existing], batch_size=BATCH
    )
    user_of = {u.username: u for u in [*reuse, *new]}
    linked = []
    for p, username in wanted.values():
        p.user = user_of[username]
        linked.append(p)
    Person.objects.bulk_update(linked, ["user"], batch_size=BATCH)

    notes = {
        "class_teacher": f"классный руководитель {courses.demo_class.name}",
        "teacher": "учитель-предметник без классного руководства",
        "student": f"ученик(ца) {courses.demo_class.name}",
        "parent": "родитель двоих детей",
    }
    return [
        DemoLogin(role, prefix + USERNAMES[role], DEMO_PASSWORD, fixed[role], notes.get(role, ""))
        for role in LOGIN_ROLES
    ]


# ---------------------------------------------------------------------------
# Bells, the weekly timetable and the lesson calendar
# ---------------------------------------------------------------------------

# Shift 1: 45-minute lessons from 08:30; breaks after each lesson (minutes).
LESSON_MINUTES = 45
BREAKS = (10, 20, 20, 10, 10, 10, 10)
# The shortened day: 30-minute lessons with 10-minute breaks.
SHORT_MINUTES = 30
# Subjects of ordinary classrooms: a room upstairs with only these (or none) is a secondary class's home
# room and a room any lesson but PE may fall back to when its subject rooms are taken.
GENERAL_SUBJECTS = {
    "Русский язык",
    "Литература",
    "Алгебра",
    "Геометрия",
    "Математика",
    "История",
    "Обществознание",
    "География",
}
WEEKDAYS = (1, 2, 3, 4, 5)
# Which days get the extra lesson when a week does not divide evenly (Tuesday and Wednesday first).
LONG_DAYS = (2, 3, 1, 4, 5)
RESTARTS = 6


def day_caps(grade: int) -> dict[int, int]:
    """Lessons a day at most: first grade 4 (5 on one day), grades 2–4 five, grades 5–11 seven."""
    if grade == 1:
        return {day: 5 if day == LONG_DAYS[0] else 4 for day in WEEKDAYS}
    return dict.fromkeys(WEEKDAYS, 5 if grade <= 4 else 7)


def day_lengths(total: int, grade: int) -> dict[int, int]:
    """The week of a class divided evenly over the days, the longer days first, never above the caps."""
    caps = day_caps(grade)
    lengths = dict.fromkeys(WEEKDAYS, 0)
    for _n in range(total):
        open_days = [d for d in LONG_DAYS if lengths[d] < caps[d]]
        if not open_days:
            break
        day = min(open_days, key=lambda d: (lengths[d], LONG_DAYS.index(d)))
        lengths[day] += 1
    return lengths


def weekly_lessons(hours_per_week: Decimal) -> int:
    """Weekly timetable lines of a course: halves round up (1.5 h → 2), at least one."""
    return max(1, int((Decimal(hours_per_week) + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)))


def bell_times(first: str, minutes: int, breaks) -> list[tuple[datetime.time, datetime.time]]:
    start = datetime.datetime.combine(datetime.date(2000, 1, 1), datetime.time.fromisoformat(first))
    slots = []
    for pause in breaks:
        end = start + datetime.timedelta(minutes=minutes)
        slots.append((start.time(), end.time()))
        start = end + datetime.timedelta(minutes=pause)
    return slots


@dataclass
class Bells:
    default: BellSchedule
    short: BellSchedule
    days: list[BellDay]


@dataclass
class Timetable:
    bells: Bells
    entries: list[TimetableEntry]
    home_rooms: dict[int, Room]  # class id → its home room
    shortfall: dict[str, int]  # class name → weekly lessons that found no place
    lessons: lesson_calendar.Report | None = None  # what generating the year's lessons did


def build_bells(ctx: Ctx, calendar: Calendar) -> Bells:
    """Shift 1: eight 45-minute lessons from 08:30; a shortened day (30 minutes) on the last day before winter."""
    school = ctx.school
    default = BellSchedule.objects.create(
        school=school, name="Основное расписание звонков", shift=1, is_default=True
    )
    short = BellSchedule.objects.create(school=school, name="Сокращённый день", shift=1, is_default=False)
    BellSlot.objects.bulk_create(
        [
            BellSlot(school=school, schedule=schedule, number=n, starts=a, ends=b)
            for schedule, times in (
                (default, bell_times("08:30", LESSON_MINUTES, BREAKS + (0,))),
                (short, bell_times("08:30", SHORT_MINUTES, (10,) * 8)),
            )
            for n, (a, b) in enumerate(times, start=1)
        ]
    )
    return Bells(default, short, [short_day(ctx, calendar, short)])


def short_day(ctx: Ctx, calendar: Calendar, short: BellSchedule) -> BellDay:
    """The year's last school day before the winter holidays runs on the shortened bells."""
    winter = min(
        (h for h in calendar.holidays if not h.grades and h.starts.month == 12), key=lambda h: h.starts
    )
    last_day = winter.starts - datetime.timedelta(days=1)
    while last_day.isoweekday() > 5:
        last_day -= datetime.timedelta(days=1)
    return BellDay.objects.create(school=ctx.school, date=last_day, shift=1, schedule=short)


@dataclass
class Item:
    """One weekly lesson of a class: one course, or the parallel subgroup courses of a subject."""

    class_id: int
    grade: int
    subject: str
    courses: list[tuple[int, int, list[int]]]  # (course id, teacher id, rooms by preference)
    per_day: int  # at most this many of the subject a day
    weight: int = 0  # how hard it is to place (bigger first)
    cell: tuple[int, int] | None = None
    rooms: list[int] = field(default_factory=list)


class Planner:
    """A greedy timetable with one-swap repair: every weekly lesson of every class into a clash-free cell.

    Cells of a class are fixed first (its week divided evenly, lessons from the first slot
    on, no gaps); then items are placed hardest first, each where its teachers and rooms
    are free and its subject is not yet on that day; an item with no such cell swaps
    with a placed item of its class.
    """

    def __init__(self, classes, items: list[Item], rng: random.Random):
        self.rng = rng
        self.items = items
        self.cells: dict[int, list[tuple[int, int]]] = {}
        for c in classes:
            lengths = day_lengths(sum(1 for i in items if i.class_id == c.id), c.grade)
            self.cells[c.id] = [(day, slot) for day in WEEKDAYS for slot in range(1, lengths[day] + 1)]
        self.at: dict[tuple[int, tuple], Item] = {}  # (class id, cell) → item
        self.teacher: dict[tuple[int, tuple], Item] = {}
        self.room: dict[tuple[int, tuple], Item] = {}
        self.per_day: dict[tuple[int, str, int], int] = defaultdict(int)

    def rooms_for(self, item: Item, cell, ignore: Item | None = None) -> list[int] | None:
        """Rooms for each course of the item at `cell` (or None when a teacher, a room or the day is full)."""
        if (
            self.per_day[item.class_id, item.subject, cell[0]]
            - (
                1
                if ignore is not None and ignore.subject == item.subject and ignore.cell[0] == cell[0]
                else 0
            )
            >= item.per_day
        ):
            return None
        chosen = []
        for _course, teacher, prefs in item.courses:
            if self.teacher.get((teacher, cell)) not in (None, ignore):
                return None
            room = next(
                (r for r in prefs if r not in chosen and self.room.get((r, cell)) in (None, ignore)), None
            )
            if room is None:
                return None
            chosen.append(room)
        return chosen

    def place(self, item: Item, cell, rooms):
        item.cell, item.rooms = cell, rooms
        self.at[item.class_id, cell] = item
        for (_c, teacher, _p), room in zip(item.courses, rooms, strict=True):
            self.teacher[teacher, cell] = item
            self.room[room, cell] = item
        self.per_day[item.class_id, item.subject, cell[0]] += 1

    def remove(self, item: Item):
        cell = item.cell
        del self.at[item.class_id, cell]
        for (_c, teacher, _p), room in zip(item.courses, item.rooms, strict=True):
            del self.teacher[teacher, cell]
            del self.room[room, cell]
        self.per_day[item.class_id, item.subject, cell[0]] -= 1
        item.cell, item.rooms = None, []

    def free_cells(self, class_id):
        return [cell for cell in self.cells[class_id] if (class_id, cell) not in self.at]

    def cost(self, item: Item, cell) -> tuple:
        """A subject not yet on that day first; otherwise any cell (the cells of a class are all filled)."""
        return (self.per_day[item.class_id, item.subject, cell[0]], self.rng.random())

    def place_item(self, item: Item) -> bool:
        options = []
        for cell in self.free_cells(item.class_id):
            rooms = self.rooms_for(item, cell)
            if rooms is not None:
                options.append((self.cost(item, cell), cell, rooms))
        if options:
            _cost, cell, rooms = min(options)
            self.place(item, cell, rooms)
            return True
        return self.swap_in(item)

    def swap_in(self, item: Item) -> bool:
        """Put `item` where a placed item of its class is, and that one into a free cell."""
        free = self.free_cells(item.class_id)
        for cell in self.cells[item.class_id]:
            other = self.at.get((item.class_id, cell))
            if other is None:
                continue
            rooms = self.rooms_for(item, cell, ignore=other)
            if rooms is None:
                continue
            self.remove(other)
            self.place(item, cell, rooms)
            for target in free:
                moved = self.rooms_for(other, target)
                if moved is not None:
                    self.place(other, target, moved)
                    return True
            self.remove(item)
            self.place(other, cell, self.rooms_for(other, cell))
        return False

    def run(self) -> list[Item]:
        """Place every item; returns those that found no place."""
        order = sorted(self.items, key=lambda i: (-i.weight, self.rng.random()))
        return [item for item in order if not self.place_item(item)]


def _room_preferences(
    structure: Structure,
) -> tuple[dict[int, Room], dict[str, list[int]], list[int]]:
    """Home rooms of the classes, subject → its rooms, and the general rooms any lesson may fall back to."""
    rooms, subjects_of = structure.rooms, structure.room_subjects
    by_subject: dict[str, list[int]] = defaultdict(list)
    general, primary_homes = [], []
    for room, names in zip(rooms, subjects_of, strict=True):
        for name in names:
            by_subject[name].append(room.id)
        if not names and room.name.startswith("1"):
            primary_homes.append(room)
        elif set(names) <= GENERAL_SUBJECTS and room.name[0] in "24":
            general.append(room)
    home: dict[int, Room] = {}
    primary_classes = [c for c in structure.classes if c.grade <= 4]
    secondary = [c for c in structure.classes if c.grade > 4]
    for c, room in zip(primary_classes, primary_homes, strict=False):
        home[c.id] = room
    for c, room in zip(secondary, general, strict=False):
        home[c.id] = room
    return home, by_subject, [r.id for r in general]


def build_timetable(
    ctx: Ctx, calendar: Calendar, structure: Structure, courses: Courses, bells: Bells
) -> Timetable:
    """A clash-free weekly timetable for every class from the courses' weekly hours, valid all year.

    Teachers and rooms are never double-booked; subject rooms are used where
    `Room.subjects` says so, else the class's home room (primary core subjects
    always there); the English subgroups of a class meet in the same slot, in two
    rooms, with two teachers.
    """
    rng = ctx.rng("timetable")
    year = calendar.year
    home, by_subject, general = _room_preferences(structure)
    load: dict[int, int] = defaultdict(int)
    for course in courses.courses:
        load[courses.teacher[course.id].id] += weekly_lessons(course.hours_per_week)

    def prefs(subject: str, c: SchoolClass) -> list[int]:
        own = [home[c.id].id] if c.id in home else []
        if c.grade <= 4 and (subject in PRIMARY_CORE or subject == TALKS):
            return own or general
        if subject == PE:
            return by_subject[PE]
        special = [r for r in by_subject.get(subject, []) if r not in own]
        if own and own[0] in by_subject.get(subject, []):
            special = own + special
        rest = [r for r in general if r not in special and r not in own]
        return list(dict.fromkeys(special + own + rest))

    items: list[Item] = []
    classes = {c.id: c for c in structure.classes}
    group_of = {course.id: course.group_id for course in courses.courses}
    parallel: dict[tuple[int, int], list[Course]] = defaultdict(
        list
    )  # (class id, subject id) → subgroup courses
    for course in courses.courses:
        group = course.group
        c = classes[group.school_class_id]
        if group.kind == StudyGroup.Kind.SUBGROUP:
            parallel[c.id, course.subject_id].append(course)
            continue
        items += _items(c, [course], courses, load, prefs)
    for (class_id, _subject), split in parallel.items():
        items += _items(classes[class_id], split, courses, load, prefs)

    best = None
    for attempt in range(RESTARTS):
        for item in items:
            item.cell, item.rooms = None, []
        planner = Planner(structure.classes, items, random.Random(f"{rng.random()}:{attempt}"))
        failed = planner.run()
        placed = [(i, i.cell, list(i.rooms)) for i in items if i.cell is not None]
        if best is None or len(failed) < len(best[1]):
            best = (placed, failed)
        if not failed:
            break
    placed, failed = best

    school = ctx.school
    entries = []
    for item, (weekday, slot), rooms in placed:
        c = classes[item.class_id]
        for (course_id, teacher_id, _p), room_id in zip(item.courses, rooms, strict=True):
            entries.append(
                TimetableEntry(
                    school=school,
                    year=year,
                    course_id=course_id,
                    group_id=group_of[course_id],
                    teacher_id=teacher_id,
                    room_id=room_id,
                    weekday=weekday,
                    shift=c.shift,
                    slot=slot,
                    starts=year.starts,
                )
            )
    entries.sort(key=lambda e: (e.group_id, e.weekday, e.slot, e.course_id))
    entries = TimetableEntry.objects.bulk_create(entries, batch_size=BATCH)
    shortfall: dict[str, int] = defaultdict(int)
    for item in failed:
        shortfall[classes[item.class_id].name] += 1
    return Timetable(bells, entries, home, dict(shortfall))


def _items(c: SchoolClass, split: list[Course], courses: Courses, load, prefs) -> list[Item]:
    subject = split[0].subject.name
    n = max(weekly_lessons(course.hours_per_week) for course in split)
    teachers = [courses.teacher[course.id].id for course in split]
    weight = max(load[t] for t in teachers) + (20 if subject == PE else 0) + 10 * (len(split) - 1)
    return [
        Item(
            class_id=c.id,
            grade=c.grade,
            subject=subject,
            courses=[(course.id, t, prefs(subject, c)) for course, t in zip(split, teachers, strict=True)],
            per_day=math.ceil(n / len(WEEKDAYS)),
            weight=weight,
        )
        for _ in range(n)
    ]


def build_lessons(ctx: Ctx, calendar: Calendar):
    """The lesson calendar of the whole year, generated from the timetable (schedule.calendar)."""
    return lesson_calendar.generate_lessons(actor=None, year=calendar.year)


# ---------------------------------------------------------------------------
# The journal: a year of marks, attendance, topics, homework, remarks, the plan
# ---------------------------------------------------------------------------

# Thematic plans: subject → [(section, [topics])]. Short tables; a course's plan walks them in order,
# then adds lessons of consolidation and review until its planned hours equal the year's lessons.
PLAN_TOPICS: dict[str, list[tuple[str, list[str]]]] = {
    "Русский язык": [
        ("Повторение изученного", ["Звуки и буквы", "Орфограммы в корне слова", "Части речи", "Предложение"]),
        (
            "Синтаксис и пунктуация",
            [
                "Словосочетание",
                "Простое предложение",
                "Однородные члены предложения",
                "Обращение",
                "Сложное предложение",
                "Прямая речь",
            ],
        ),
        ("Фонетика и орфоэпия", ["Гласные и согласные звуки", "Ударение", "Фонетический разбор слова"]),
        ("Лексика", ["Лексическое значение слова", "Синонимы и антонимы", "Омонимы", "Фразеологизмы"]),
        (
            "Морфемика",
            ["Корень слова", "Приставка и суффикс", "Чередование гласных в корне", "Правописание приставок"],
        ),
        (
            "Морфология",
            [
                "Имя существительное",
                "Склонение существительных",
                "Имя прилагательное",
                "Глагол",
                "Спряжение глагола",
                "Правописание -тся и -ться",
            ],
        ),
    ],
    "Литературное чтение": [
        ("Устное народное творчество", ["Русские народные сказки", "Загадки и пословицы", "Былины"]),
        ("Поэзия", ["А. С. Пушкин. Стихотворения", "Ф. И. Тютчев. Стихи о природе", "С. А. Есенин. Берёза"]),
        (
            "Рассказы о детях",
            ["Л. Н. Толстой. Рассказы", "Н. Н. Носов. Живая шляпа", "В. Ю. Драгунский. Денискины рассказы"],
        ),
        ("О животных", ["К. Д. Ушинский. Рассказы", "М. М. Пришвин. Ребята и утята", "В. В. Бианки. Сказки"]),
    ],
    "Литература": [
        ("Фольклор", ["Малые жанры фольклора", "Русские народные сказки", "Былины"]),
        (
            "Литература XIX века",
            [
                "И. А. Крылов. Басни",
                "А. С. Пушкин. Лирика",
                "М. Ю. Лермонтов. Бородино",
                "Н. В. Гоголь. Вечера на хуторе близ Диканьки",
                "И. С. Тургенев. Муму",
                "Н. А. Некрасов. Стихотворения",
            ],
        ),
        (
            "Литература XX века",
            [
                "И. А. Бунин. Рассказы",
                "А. П. Чехов. Рассказы",
                "К. Г. Паустовский. Тёплый хлеб",
                "В. П. Астафьев. Васюткино озеро",
            ],
        ),
        (
            "Зарубежная литература",
            [
                "Х. К. Андерсен. Снежная королева",
                "М. Твен. Приключения Тома Сойера",
                "Д. Дефо. Робинзон Крузо",
            ],
        ),
    ],
    "Английский язык": [
        ("Starter", ["Alphabet and sounds", "Greetings", "Numbers and colours"]),
        ("My family and friends", ["Family members", "Present Simple", "Describing people"]),
        ("School life", ["School subjects", "Prepositions of place", "My timetable"]),
        ("Free time", ["Hobbies", "Present Continuous", "Can / can't"]),
        ("Around the world", ["Countries and nationalities", "Past Simple", "Travelling"]),
    ],
    "Математика": [
        (
            "Натуральные числа",
            [
                "Запись и чтение чисел",
                "Сравнение чисел",
                "Сложение и вычитание",
                "Умножение и деление",
                "Порядок действий",
            ],
        ),
        ("Величины", ["Единицы длины", "Единицы массы", "Время", "Периметр и площадь"]),
        (
            "Дроби",
            [
                "Обыкновенные дроби",
                "Сравнение дробей",
                "Сложение и вычитание дробей",
                "Десятичные дроби",
                "Умножение десятичных дробей",
            ],
        ),
        ("Задачи", ["Задачи на движение", "Задачи на части", "Задачи на проценты"]),
    ],
    "Алгебра": [
        ("Выражения", ["Числовые выражения", "Выражения с переменными", "Тождественные преобразования"]),
        (
            "Уравнения",
            [
                "Линейное уравнение",
                "Решение задач с помощью уравнений",
                "Квадратные уравнения",
                "Теорема Виета",
            ],
        ),
        ("Функции", ["Функция и её график", "Линейная функция", "Квадратичная функция"]),
        (
            "Степени и многочлены",
            [
                "Степень с натуральным показателем",
                "Одночлены",
                "Многочлены",
                "Формулы сокращённого умножения",
            ],
        ),
        ("Неравенства", ["Числовые неравенства", "Линейные неравенства", "Системы неравенств"]),
    ],
    "Геометрия": [
        ("Начальные сведения", ["Прямая и отрезок", "Луч и угол", "Смежные и вертикальные углы"]),
        (
            "Треугольники",
            ["Признаки равенства треугольников", "Равнобедренный треугольник", "Сумма углов треугольника"],
        ),
        ("Параллельные прямые", ["Признаки параллельности прямых", "Аксиома параллельных прямых"]),
        ("Четырёхугольники", ["Параллелограмм", "Прямоугольник, ромб, квадрат", "Трапеция"]),
        ("Площадь", ["Площадь многоугольника", "Теорема Пифагора"]),
    ],
    "Информатика": [
        (
            "Информация",
            ["Информация и её свойства", "Кодирование информации", "Единицы измерения информации"],
        ),
        ("Компьютер", ["Устройство компьютера", "Файлы и папки"]),
        ("Алгоритмы", ["Алгоритм и исполнитель", "Ветвление", "Циклы", "Программирование на Python"]),
    ],
    "Окружающий мир": [
        ("Природа", ["Живая и неживая природа", "Растения", "Животные", "Времена года"]),
        ("Человек и общество", ["Наша страна — Россия", "Родной город", "Семья"]),
        ("Правила безопасности", ["Дорога в школу", "Безопасность дома"]),
    ],
    "История": [
        ("Древний мир", ["Первобытные люди", "Древний Египет", "Древняя Греция", "Древний Рим"]),
        ("Средние века", ["Раннее Средневековье", "Русь в IX–XII веках", "Монгольское нашествие"]),
        ("Новое время", ["Великие географические открытия", "Россия при Петре I", "Эпоха просвещения"]),
        ("Россия в XIX веке", ["Отечественная война 1812 года", "Реформы Александра II"]),
    ],
    "Обществознание": [
        ("Человек", ["Человек и его деятельность", "Познание мира"]),
        ("Общество", ["Общество и природа", "Экономика", "Социальная сфера"]),
        ("Право", ["Конституция Российской Федерации", "Права и свободы человека"]),
    ],
    "География": [
        ("Земля во Вселенной", ["Солнечная система", "Форма и размеры Земли"]),
        ("Изображение земной поверхности", ["План местности", "Географическая карта", "Координаты"]),
        ("Оболочки Земли", ["Литосфера", "Гидросфера", "Атмосфера", "Биосфера"]),
        ("Материки и океаны", ["Африка", "Евразия", "Мировой океан"]),
    ],
    "Биология": [
        ("Живые организмы", ["Биология — наука о жизни", "Клетка", "Ткани"]),
        ("Растения", ["Строение растений", "Фотосинтез", "Размножение растений"]),
        ("Животные", ["Простейшие", "Беспозвоночные", "Позвоночные"]),
        ("Человек", ["Опорно-двигательная система", "Кровообращение", "Дыхание"]),
    ],
    "Физика": [
        ("Введение", ["Физические величины", "Измерения и погрешности"]),
        ("Механика", ["Механическое движение", "Скорость", "Сила", "Давление", "Работа и мощность"]),
        ("Тепловые явления", ["Внутренняя энергия", "Теплопередача", "Агрегатные состояния"]),
        ("Электричество", ["Электрический ток", "Закон Ома", "Магнитное поле"]),
    ],
    "Химия": [
        ("Основные понятия", ["Вещества и их свойства", "Атомы и молекулы", "Химические формулы"]),
        ("Реакции", ["Химические реакции", "Уравнения реакций", "Типы реакций"]),
        ("Классы веществ", ["Оксиды", "Кислоты", "Основания", "Соли"]),
    ],
    "Музыка": [
        ("Музыка вокруг нас", ["Песня, танец, марш", "Музыкальные инструменты"]),
        ("Русская музыка", ["П. И. Чайковский", "М. И. Глинка", "Народная песня"]),
    ],
    "Изобразительное искусство": [
        ("Живопись", ["Цвет и краски", "Пейзаж", "Натюрморт"]),
        ("Графика", ["Линия и штрих", "Портрет"]),
        ("Декоративное искусство", ["Народные промыслы", "Орнамент"]),
    ],
    "Труд (технология)": [
        ("Материалы", ["Работа с бумагой", "Работа с тканью", "Работа с деревом"]),
        ("Проект", ["Выбор темы проекта", "Изготовление изделия", "Защита проекта"]),
    ],
    "Физическая культура": [
        ("Лёгкая атлетика", ["Бег на короткие дистанции", "Прыжок в длину", "Метание мяча"]),
        ("Гимнастика", ["Строевые упражнения", "Акробатика", "Лазание по канату"]),
        ("Спортивные игры", ["Баскетбол", "Волейбол", "Футбол"]),
        ("Лыжная подготовка", ["Попеременный двухшажный ход", "Спуски и подъёмы"]),
    ],
    "Основы безопасности и защиты Родины": [
        ("Безопасность", ["Безопасность в быту", "Безопасность на дороге", "Первая помощь"]),
        ("Защита Родины", ["Вооружённые Силы Российской Федерации", "Воинская обязанность"]),
    ],
    "Разговоры о важном": [
        (
            "Разговоры о важном",
            [
                "День знаний",
                "Там, где Россия",
                "День учителя",
                "День отца",
                "День народного единства",
                "День матери",
                "Символы России",
                "День Героев Отечества",
                "День Конституции",
            ],
        ),
    ],
}
LANGUAGES = ("Русский язык", ENGLISH)
# Practical subjects: no homework, and oral marks only (no tests).
NO_HOMEWORK = (PE, TALKS, "Музыка", "Изобразительное искусство", "Труд (технология)")
PARAGRAPHS = ("История", "Обществознание", "География", "Биология", "Физика", "Химия", "Информатика",
              "Окружающий мир", "Основы безопасности и защиты Родины")  # fmt: skip
PRAISES = (
    "Активная работа на уроке",
    "Отличный ответ у доски",
    "Лучшая работа в классе",
    "Аккуратно оформленная тетрадь",
    "Помощь однокласснику в решении задачи",
)
REMARKS = (
    "Не выполнено домашнее задание",
    "Нет учебника и тетради на уроке",
    "Отвлекается на уроке, мешает соседям",
    "Не готов к уроку",
)


def plan_for(subject: str, lessons: int) -> list[tuple[str, str, int]]:
    """(section, title, hours) rows of a thematic plan whose hours add up to `lessons` (at least 1)."""
    table = PLAN_TOPICS.get(subject) or [("Основной курс", [subject])]
    total = max(lessons, 1)
    rows: list[tuple[str, str, int]] = []
    left = total

    def add(section, title, hours):
        nonlocal left
        hours = max(1, min(hours, left))
        rows.append((section, title, hours))
        left -= hours

    passes = ("{}", "Закрепление. {}", "Решение задач и упражнений. {}")
    for n, pattern in enumerate(passes):
        for section, topics in table:
            for i, topic in enumerate(topics):
                if left <= 0:
                    return rows
                add(section, pattern.format(topic), 1 + (i + n) % 2)
            if left > 0 and n == 0 and len(table) > 1:
                add(section, f"Повторение и обобщение по разделу «{section}»", 1)
    part = 1
    while left > 0:
        add("Итоговое повторение", f"Повторение изученного за год, часть {part}", 2)
        part += 1
    return rows


def homework_for(subject: str, rng: random.Random, n: int) -> tuple[str, str]:
    """(text, pages) of the homework of the course's n-th lesson (paragraphs advance with the lessons)."""
    p = 1 + n // 2
    a = rng.randint(1, 40) + 5 * (n // 3)
    if subject in ("Математика", "Алгебра"):
        return rng.choice(("Решить задачи", "Решить примеры и задачу", "Повторить правило, решить номера")), (
            f"§{p}, № {a}–{a + rng.randint(2, 5)}"
        )
    if subject == "Геометрия":
        return "Выучить теорему, решить задачи", f"п. {p}, № {a}, {a + 2}"
    if subject == "Русский язык":
        return rng.choice(("Выучить правило, выполнить упражнение", "Выполнить упражнение",
                           "Словарные слова выписать и выучить")), f"§{p}, упр. {10 + 3 * n}"  # fmt: skip
    if subject in ("Литература", "Литературное чтение"):
        return rng.choice(("Прочитать, ответить на вопросы", "Выучить стихотворение наизусть",
                           "Пересказ текста")), f"с. {10 + 4 * n}–{14 + 4 * n}"  # fmt: skip
    if subject == ENGLISH:
        return rng.choice(
            ("Выучить слова", "Выполнить упражнение письменно", "Прочитать текст, перевести")
        ), (f"p. {8 + 2 * n}, ex. {rng.randint(1, 9)}")
    if subject in PARAGRAPHS:
        return rng.choice(("Прочитать параграф, ответить на вопросы", "Пересказ параграфа",
                           "Прочитать параграф, заполнить таблицу")), f"§{p}, вопросы 1–{rng.randint(3, 6)}"  # fmt: skip
    return "Повторить пройденное", ""


@dataclass
class Journal:
    works: int = 0
    cells: int = 0
    attendance: int = 0
    topics: int = 0
    plan_topics: int = 0
    homework: int = 0
    remarks: int = 0
    log_entries: int = 0
    finals: Finals | None = None
    seconds: float = 0.0  # how long the journal took to build
    until: datetime.date | None = None  # the first day without marks and attendance (today)


@dataclass
class Finals:
    marks: int = 0
    year_marks: int = 0  # of `marks`: the year finals (in the summer)
    overrides: int = 0  # differ from the proposal by one point
    makeup: int = 0  # marks added for students without marks, so that they get a final (R-F-3)
    locked: int = 0  # course periods with every final in: locked (R-F-5)
    incomplete: int = 0  # course periods of ended periods with finals missing
    log_rows: list = field(default_factory=list)  # for the mark log, chained by build_journal


FINALS_INCOMPLETE = 0.1  # the share of courses whose finals of the latest ended period are not all in
FINALS_OVERRIDE = 0.04  # the share of finals of 3 or 4 that the teacher sets one point off the proposal
FINALS_ENTERED = (0.0, 0.4, 0.7, 0.9)  # how much of an incomplete course is in


def build_finals(ctx: Ctx, calendar: Calendar, courses: Courses, user_of: dict[int, int]) -> Finals:
    """The period finals of every reporting period that ended before `journal_today` (R-F-1, R-F-2).

    Runs once the marks are written: proposals come from `journal.finals_selectors.propose_period`
    (three queries for the whole school). For the latest ended period of each scheme about a tenth
    of the courses (one of them the demo teacher's) are left with finals missing, so the deputy's
    control page has late courses and the demo teacher's home page finals due. In the others the
    teacher enters every final in one sitting after the period's end, by its deadline: first a
    make-up mark in the period's last mark column for a student without marks (R-F-3 forbids a final
    without them), then every student in the group on the last day gets the proposal, a few of 3 or
    4 one point off; the period is then locked for the course (a `CourseLock` and its `LockEvent`,
    R-F-5). Written in bulk; the mark-log rows (make-up marks and finals) are returned for
    build_journal's chain, with work ids.

    In the summer (`journal_today` after the year's last day) no course is late and, in the sitting
    of each scheme's last period, the teacher also enters the year finals: the proposal from the
    student's period finals (`journal.finals.propose_from_marks`, as the finals view proposes them).
    """
    from journal import finals_selectors as fs
    from journal.finals import Thresholds, deadline, propose_from_marks
    from journal.values import format_cell

    rng = ctx.rng("finals")
    school, today = ctx.school, ctx.journal_today
    # The sums run on tables filled moments ago in this transaction: without statistics the planner
    # picks nested loops over the marks (a minute for the large school instead of a second).
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE journal_cell, journal_work, journal_worktype, schedule_lesson, schedule_enrollment, "
            "schedule_groupmembership, schedule_studygroup"
        )
    tz = zoneinfo.ZoneInfo(school.timezone)
    settings = fs.journal_settings(school)
    result = Finals()
    ended = sorted((p for p in calendar.periods if p.ends < today), key=lambda p: (p.ends, p.pk))
    latest = {p.scheme_id: p for p in ended}
    year_over = in_summer(today, calendar.year)
    thresholds = Thresholds.of(settings)
    last_of_scheme = {p.scheme_id: p for p in sorted(calendar.periods, key=lambda p: (p.ends, p.pk))}
    period_values = defaultdict(list)  # (course, student) → the period finals entered so far
    teacher_of = {cid: person.id for cid, person in courses.teacher.items()}
    demo_teacher = courses.demo_teacher.id
    marks, locks, events = [], [], []
    for period in ended:
        due = deadline(period.ends, settings.finals_deadline, settings.finals_deadline_days)
        due = min(due, today - datetime.timedelta(days=1))
        period_courses = fs.courses_of_period(period)

        def proposals(period=period, period_courses=period_courses):
            by_course = defaultdict(list)
            for proposed in fs.propose_period(period, period_courses, school_wide=True):
                by_course[proposed.course_id].append(proposed)
            return by_course

        by_course = proposals()
        late = set()
        if latest[period.scheme_id] is period and not year_over:
            late = {cid for cid in by_course if rng.random() < FINALS_INCOMPLETE}
            own = [cid for cid in by_course if teacher_of.get(cid) == demo_teacher]
            late |= set(own[:1])
        sitting = {}  # course → when its teacher starts entering the finals
        for course_id in by_course:
            span = max(0, (due - period.ends).days)  # after the period's last marks, by the deadline
            day = period.ends + datetime.timedelta(days=rng.randint(min(1, span), span))
            at = datetime.datetime.combine(
                day, datetime.time(rng.randint(14, 19), rng.randint(0, 59)), tzinfo=tz
            )
            sitting[course_id] = at + datetime.timedelta(
                seconds=rng.randint(0, 59), microseconds=rng.randint(0, 999_999)
            )

        # Make-up marks for the students without marks in the courses to complete.
        without = [
            (course_id, r.student_id)
            for course_id, rows in by_course.items()
            if course_id not in late
            for r in rows
            if r.proposal is None
        ]
        if without:
            last_work = {
                course_id: (work_id, lesson_id)
                for course_id, work_id, lesson_id in Work.objects.filter(
                    school=school, lesson__period=period, lesson__status=Lesson.Status.PLANNED
                )
                .order_by("lesson__course_id", "-lesson__date", "-lesson__slot", "-position")
                .distinct("lesson__course_id")
                .values_list("lesson__course_id", "pk", "lesson_id")
            }
            cells = []
            for course_id, student_id in without:
                if course_id not in last_work:
                    continue
                work_id, lesson_id = last_work[course_id]
                mark = rng.choice((3, 4, 4, 5))
                at = sitting[course_id] - datetime.timedelta(minutes=rng.randint(5, 30))
                cells.append((school.pk, work_id, student_id, [mark], [], False, 1, at))
                result.log_rows.append(
                    (at, lesson_id, student_id, work_id, "marks", format_cell((mark,)),
                     user_of.get(teacher_of.get(course_id)))
                )  # fmt: skip
            result.makeup = _copy(
                Cell,
                ["school", "work", "student", "marks", "excluded", "owed", "version", "updated_at"],
                cells,
            )
            if cells:
                by_course = proposals()

        for course_id, rows in by_course.items():
            actor = user_of.get(teacher_of.get(course_id))
            at = sitting[course_id]
            entered = [r for r in rows if r.proposal is not None]
            if course_id in late:
                entered = entered[: int(len(entered) * rng.choice(FINALS_ENTERED))]
            for r in entered:
                p = r.proposal
                value = p.mark
                if value in (3, 4) and rng.random() < FINALS_OVERRIDE:
                    value += rng.choice((-1, 1))
                    result.overrides += 1
                at += datetime.timedelta(seconds=rng.randint(2, 12))
                marks.append(
                    (school.pk, course_id, r.student_id, FinalKind.PERIOD.value, period.pk, value, p.mark,
                     p.average, p.rule, 1, actor, at)
                )  # fmt: skip
                result.log_rows.append(
                    (at, None, r.student_id, None, f"final_{FinalKind.PERIOD.value}", str(value), actor,
                     course_id, period.pk, p.mark)
                )  # fmt: skip
                period_values[course_id, r.student_id].append(value)
            if year_over and last_of_scheme[period.scheme_id] is period:
                for r in entered:
                    p = propose_from_marks(period_values[course_id, r.student_id], thresholds, "periods")
                    at += datetime.timedelta(seconds=rng.randint(2, 12))
                    marks.append(
                        (school.pk, course_id, r.student_id, FinalKind.YEAR.value, None, p.mark, p.mark,
                         p.average, p.rule, 1, actor, at)
                    )  # fmt: skip
                    result.log_rows.append(
                        (at, None, r.student_id, None, f"final_{FinalKind.YEAR.value}", str(p.mark), actor,
                         course_id, None, p.mark)
                    )  # fmt: skip
                    result.year_marks += 1
            if len(entered) == len(rows):
                locks.append(CourseLock(school=school, course_id=course_id, period=period, changed_at=at))
                events.append(
                    LockEvent(
                        school=school,
                        course_id=course_id,
                        period=period,
                        action=LockEvent.Action.LOCKED,
                        actor_id=actor,
                        at=at,
                    )
                )
            else:
                result.incomplete += 1
    result.marks = _copy(
        FinalMark,
        ["school", "course", "student", "kind", "period", "value", "proposed", "average", "rule", "version",
         "updated_by", "updated_at"],
        marks,
    )  # fmt: skip
    result.locked = len(CourseLock.objects.bulk_create(locks, batch_size=BATCH))
    LockEvent.objects.bulk_create(events, batch_size=BATCH)
    return result


def _copy(model, fields: list[str], rows) -> int:
    """COPY `rows` (tuples in the order of `fields`, given as model field names) into the model's table."""
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    n = 0
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n


def build_journal(
    ctx: Ctx, calendar: Calendar, structure: Structure, courses: Courses, pupils: Pupils
) -> Journal:
    """Marks, attendance, topics, homework, remarks and plans of every lesson before `journal_today`,
    with their hash-chained mark-log entries (R-J-11), written with COPY.

    Ability per student (a few weak ones, most good), sickness in spells of 2–5 school days
    (the whole day missed), reasons set for past weeks but not the current one; grade 1 gets no
    marks and no homework (R-SET-5), only attendance and topics. Topics run one week ahead.
    """
    from journal import marklog
    from journal.services import ensure_default_work_types
    from journal.values import ATTENDANCE_DISPLAY, format_cell

    started = time.monotonic()
    school, year = ctx.school, calendar.year
    rng = ctx.rng("journal")
    today = ctx.journal_today
    monday = today - datetime.timedelta(days=today.weekday())
    topics_until = monday + datetime.timedelta(days=14)  # this week and the next one: entered in advance
    tz = zoneinfo.ZoneInfo(school.timezone)
    result = Journal(until=today)

    types = {t.code: t for t in ensure_default_work_types(school)}
    subject_of = {s.id: s.name for s in structure.subjects.values()}
    no_marks_subjects = {s.id for s in structure.subjects.values() if s.no_final_assessment}
    user_of = dict(Person.objects.filter(school=school, user__isnull=False).values_list("id", "user_id"))

    # Who is in each group on a date: enrollments for whole classes, memberships for subgroups.
    class_of_group = {g.id: cid for cid, g in structure.whole_groups.items()}
    grade_of_group = {g.id: g.grade for g in structure.whole_groups.values()}
    grade_of_group |= {g.id: g.grade for gs in structure.subgroups.values() for g in gs}
    stays: dict[int, list[tuple[int, datetime.date, datetime.date | None]]] = defaultdict(list)
    by_class = defaultdict(list)
    for e in pupils.enrollments:
        by_class[e.school_class_id].append((e.student_id, e.starts, e.ends))
    for gid, cid in class_of_group.items():
        stays[gid] = by_class[cid]
    for m in pupils.memberships:
        stays[m.group_id].append((m.student_id, m.starts, m.ends))
    for rows in stays.values():
        rows.sort(key=lambda r: (r[0], r[1]))

    lessons = list(
        Lesson.objects.filter(year=year, status=Lesson.Status.PLANNED)
        .order_by("course_id", "date", "slot", "pk")
        .values_list("pk", "course_id", "group_id", "teacher_id", "date", "ends")
    )
    course_subject = {c.id: c.subject_id for c in courses.courses}

    # Students: ability (mean mark) and sick spells over the school days before today.
    student_ids = sorted({sid for rows in stays.values() for sid, _a, _b in rows})
    ability = {}
    for sid in student_ids:
        r = rng.random()
        ability[sid] = (
            rng.uniform(2.7, 3.4)
            if r < 0.06
            else rng.uniform(3.4, 3.9)
            if r < 0.25
            else rng.uniform(3.9, 4.8)
        )
    school_days = sorted({d for _pk, _c, _g, _t, d, _e in lessons if d < today})
    sick: dict[int, set[datetime.date]] = defaultdict(set)
    unreconciled: set[tuple[int, datetime.date]] = set()
    for sid in student_ids:
        i = 0
        while i < len(school_days):
            if rng.random() < 0.011:
                span = school_days[i : i + rng.randint(2, 5)]
                sick[sid].update(span)
                if rng.random() < 0.1:  # the note from the doctor has not come yet
                    unreconciled.update((sid, d) for d in span)
                i += len(span) + 3
            else:
                i += 1

    def members(group_id, day):
        return [sid for sid, a, b in stays[group_id] if a <= day and (b is None or day <= b)]

    def moment(day, ends, minutes):
        return datetime.datetime.combine(day, ends, tzinfo=tz) + datetime.timedelta(minutes=minutes)

    # The plan of every course: as many hours as the course has lessons this year.
    per_course = defaultdict(list)
    for row in lessons:
        per_course[row[1]].append(row)
    plan_rows, plan_hours = [], {}
    for course in courses.courses:
        rows = plan_for(subject_of[course.subject_id], len(per_course[course.id]))
        hours_list = []
        for pos, (section, title, h) in enumerate(rows, start=1):
            plan_rows.append(
                PlanTopic(school=school, course=course, position=pos, section=section, title=title, hours=h)
            )
            hours_list += [len(plan_rows) - 1] * h
        plan_hours[course.id] = hours_list
    plan_rows = PlanTopic.objects.bulk_create(plan_rows, batch_size=BATCH)
    result.plan_topics = len(plan_rows)

    # Mark columns first (their ids are needed for cells and the log).
    work_rows, work_meta = [], []
    topic_rows, homework_rows, remark_rows = [], [], []
    attendance_rows, log_rows = (
        [],
        [],
    )  # log rows: (at, lesson, student, work index or None, kind, new, actor)
    for course_id, rows in per_course.items():
        subject = subject_of[course_subject[course_id]]
        offset = rng.randint(4, 7)
        hw_rng = random.Random(f"{ctx.seed}:{course_id}:homework")
        for n, (pk, _c, group_id, teacher_id, day, ends) in enumerate(rows):
            if day >= topics_until:
                break
            actor = user_of.get(teacher_id)
            plan = plan_rows[plan_hours[course_id][n]] if n < len(plan_hours[course_id]) else None
            topic_at = moment(day, ends, -300 if day >= today else 20)
            topic_rows.append(
                (school.pk, pk, plan.title if plan else subject, plan.pk if plan else None, actor, topic_at)
            )
            if day >= today:
                continue
            grade = grade_of_group[group_id]
            present = members(group_id, day)
            marks_allowed = grade > 1 and course_subject[course_id] not in no_marks_subjects
            if grade > 1 and subject not in NO_HOMEWORK and rng.random() < 0.85:
                text, pages = homework_for(subject, hw_rng, n)
                homework_rows.append((school.pk, pk, text, pages, None, actor, moment(day, ends, 30)))
            absent = set()
            for sid in present:
                if day in sick[sid] or rng.random() < 0.003:
                    status = "absent"
                elif rng.random() < 0.01:
                    status = "late"
                else:
                    continue
                if status == "absent":
                    absent.add(sid)
                if day >= monday or (sid, day) in unreconciled:
                    reason = ""
                elif status == "late":
                    reason = "unexcused" if rng.random() < 0.5 else ""
                elif day in sick[sid]:
                    reason = "illness" if rng.random() < 0.92 else "excused"
                else:
                    reason = rng.choice(("excused", "unexcused"))
                at = moment(day, ends, rng.randint(-40, 180))
                attendance_rows.append((school.pk, pk, sid, status, reason, 1, at))
                log_rows.append((at, pk, sid, None, "attendance", ATTENDANCE_DISPLAY[status], actor))
            if marks_allowed:
                if n % 8 == offset and subject not in NO_HOMEWORK:
                    code = "Д" if subject == "Русский язык" and rng.random() < 0.5 else "КР"
                    share = 0.9
                elif subject in LANGUAGES and rng.random() < 0.08:
                    code, share = "СР", 0.85
                else:
                    code, share = "У", rng.uniform(0.25, 0.35)
                work_rows.append(Work(school=school, lesson_id=pk, work_type=types[code], position=1))
                w = len(work_rows) - 1
                for sid in present:
                    if sid in absent or rng.random() >= share:
                        continue
                    mark = min(5, max(2, round(rng.gauss(ability[sid], 0.75 if code == "У" else 0.9))))
                    marks = [mark]
                    if code == "У" and rng.random() < 0.03:
                        marks.append(min(5, max(2, mark + rng.choice((-1, 0, 1)))))
                    at = moment(day, ends, rng.randint(0, 240))
                    work_meta.append((w, sid, marks, at))
                    log_rows.append((at, pk, sid, w, "marks", format_cell(tuple(marks)), actor))
            if present and rng.random() < 0.04:
                praise = rng.random() < 0.55
                remark_rows.append(
                    (school.pk, pk, rng.choice(present), "praise" if praise else "remark",
                     rng.choice(PRAISES if praise else REMARKS), teacher_id, moment(day, ends, 10))
                )  # fmt: skip

    works = Work.objects.bulk_create(work_rows, batch_size=5000)
    result.works = len(works)
    result.cells = _copy(
        Cell,
        ["school", "work", "student", "marks", "excluded", "owed", "version", "updated_at"],
        ((school.pk, works[w].pk, sid, marks, [], False, 1, at) for w, sid, marks, at in work_meta),
    )
    result.attendance = _copy(
        Attendance,
        ["school", "lesson", "student", "status", "reason", "version", "updated_at"],
        attendance_rows,
    )
    result.topics = _copy(
        LessonTopic, ["school", "lesson", "text", "plan_topic", "updated_by", "updated_at"], topic_rows
    )
    result.homework = _copy(
        Homework,
        ["school", "lesson", "text", "pages", "due_lesson", "updated_by", "updated_at"],
        homework_rows,
    )
    result.remarks = _copy(
        Remark, ["school", "lesson", "student", "kind", "text", "author", "created_at"], remark_rows
    )

    # The period finals, on the marks just written (their log rows join the chain below).
    log_rows = [
        (at, lesson, sid, works[w].pk if w is not None else None, *rest)
        for at, lesson, sid, w, *rest in log_rows
    ]
    result.finals = build_finals(ctx, calendar, courses, user_of)
    result.cells += result.finals.makeup
    log_rows += result.finals.log_rows

    # The mark log: one entry per mark, attendance row and final, in time order, chained with marklog's
    # hash. Rows of finals carry their course, period and proposal; the others have none of these.
    log_rows.sort(key=lambda r: (r[0], r[1] or 0, r[2], r[4]))
    prev, entries = marklog.GENESIS, []
    for seq, (at, lesson_id, sid, work_id, kind, new, actor, *final) in enumerate(log_rows, start=1):
        course_id, period_id, proposed = final or (None, None, None)
        content = marklog.canonical_content(
            school_id=school.pk, seq=seq, at=at, actor_id=actor, ip=None, kind=kind,
            lesson_id=lesson_id, student_id=sid, work_id=work_id, old="", new=new,
            course_id=course_id, period_id=period_id, proposed=proposed,
        )  # fmt: skip
        digest = marklog.chain_hash(prev, content)
        entries.append(
            (school.pk, seq, at, actor, None, kind, lesson_id, sid, work_id, "", new,
             course_id, period_id, proposed, prev, digest)
        )  # fmt: skip
        prev = digest
    result.log_entries = _copy(
        MarkLogEntry,
        [
            "school",
            "seq",
            "at",
            "actor",
            "ip",
            "kind",
            "lesson",
            "student",
            "work",
            "old",
            "new",
            "course",
            "period",
            "proposed",
            "prev_hash",
            "hash",
        ],
        entries,
    )
    MarkLogHead.objects.update_or_create(school=school, defaults={"seq": len(entries), "hash": prev})
    result.seconds = time.monotonic() - started
    return result


# ---------------------------------------------------------------------------
# The summer: the year ended and closed, the next one prepared
# ---------------------------------------------------------------------------

GRADUATED = "окончил(а) 11 классов"
# Classes whose journals of the last period and year summary sheets are printed and signed in the summer:
# the demo class, the class of the demo parent's younger child and an eleventh grade (half-years). A
# period printout takes a few seconds to render, twice (the draft and the signed final).
SIGNED_CLASSES = 3


@dataclass
class YearEnd:
    printouts: list = field(default_factory=list)  # frozen `reports.Printout`s
    seconds: float = 0.0  # how long printing and signing took


@dataclass
class NextYear:
    calendar: Calendar
    structure: Structure
    courses: Courses
    pupils: Pupils  # the new first graders' families
    moved_up: list[Enrollment]
    hired: list[Person]
    timetable: Timetable | None = None


def staff_actor(school: School, person: Person, role: str):
    """The demo's staff member acting through the services, as on a page (an `accounts.actor.Actor`)."""
    from accounts.actor import Actor

    return Actor(user=person.user, school=school, person=person, roles=frozenset({role}))


def end_stays(calendar: Calendar, pupils: Pupils, structure: Structure) -> None:
    """The year's open enrollments, group memberships and weekly timetable entries end on its last day
    (so the next year's can start on 1 September); the eleventh grades leave school."""
    year = calendar.year
    grade = {c.id: c.grade for c in structure.classes}
    enrollments = [e for e in pupils.enrollments if e.ends is None]
    for e in enrollments:
        e.ends = year.ends
        if grade[e.school_class_id] == 11:
            e.departure_note = GRADUATED
    Enrollment.objects.bulk_update(enrollments, ["ends", "departure_note"], batch_size=BATCH)
    memberships = [m for m in pupils.memberships if m.ends is None]
    for m in memberships:
        m.ends = year.ends
    GroupMembership.objects.bulk_update(memberships, ["ends"], batch_size=BATCH)
    TimetableEntry.objects.filter(year=year, ends__isnull=True).update(ends=year.ends)


def signed_classes(demo: DemoSchool) -> list[SchoolClass]:
    """The demo class, its younger sibling's class, the first eleventh grade (at most SIGNED_CLASSES)."""
    sibling = [c for c in demo.structure.classes if c.grade == 2][-1]
    senior = next(c for c in demo.structure.classes if c.grade == 11)
    return list(dict.fromkeys([demo.courses.demo_class, sibling, senior]))[:SIGNED_CLASSES]


def build_year_end(ctx: Ctx, demo: DemoSchool) -> YearEnd:
    """The summer after the year: a few classes' journals of the last period and their year summary
    sheets printed, signed in the regulation's order by the demo's staff (subject teachers, the class
    teacher, the deputy, the director) and frozen (`reports.signoff`, R-R-5, R-R-6); the year closed
    (`schedule.services.update_year`: read-only, R-J-13).

    The services render in a Celery task after the commit; here the builder renders at once (the draft
    before the signatures, the final after the director's), and the tasks the services enqueue find the
    printouts frozen and do nothing.
    """
    from django.conf import settings
    from django.utils import translation

    from reports import signoff
    from reports.models import Step
    from schedule.services import update_year

    started = time.monotonic()
    school, staff, year = ctx.school, demo.staff, demo.calendar.year
    people = {p.id: p for p in [staff.admin, staff.director, *staff.deputies, *staff.teachers]}
    deputy = staff_actor(school, staff.deputies[0], Role.DEPUTY)
    director = staff_actor(school, staff.director, Role.DIRECTOR)
    result = YearEnd()
    with translation.override(settings.LANGUAGE_CODE):
        for school_class in signed_classes(demo):
            periods = [p for p in demo.calendar.periods if school_class.grade in p.scheme.grades]
            last = max(periods, key=lambda p: p.ends)
            for period in (last, None):
                printout = signoff.generate(actor=deputy, school_class=school_class, period=period)
                printout = signoff.render(printout.pk)
                for page in printout.courses:
                    teacher = staff_actor(school, people[page["teacher_ids"][0]], Role.TEACHER)
                    signoff.sign(
                        actor=teacher, printout=printout, step=Step.COURSE, course_id=page["course_id"]
                    )
                leader = staff_actor(school, people[printout.class_teacher_id], Role.TEACHER)
                signoff.sign(actor=leader, printout=printout, step=Step.CLASS_TEACHER)
                signoff.sign(actor=deputy, printout=printout, step=Step.DEPUTY)
                signoff.sign(actor=director, printout=printout, step=Step.DIRECTOR)
                result.printouts.append(signoff.render(printout.pk))
    admin = staff_actor(school, staff.admin, Role.ADMIN)
    update_year(
        actor=admin,
        year=year,
        name=year.name,
        starts=year.starts,
        ends=year.ends,
        status=AcademicYear.Status.CLOSED,
    )
    year.status = AcademicYear.Status.CLOSED
    result.seconds = time.monotonic() - started
    return result


def hire_primary_teachers(ctx: Ctx, staff: Staff, classes: list[SchoolClass]) -> list[Person]:
    """New primary teachers when the next year has more primary classes than the school has teachers
    for (no login yet: the admin issues an invite code in August)."""
    needed = sum(1 for c in classes if c.grade <= 4) - sum(1 for p in staff.profile.values() if p == PRIMARY)
    if needed <= 0:
        return []
    rng = ctx.rng(f"staff:{classes[0].year.starts.year}")
    people = People(ctx.school, rng)
    domain = f"{ctx.school.slug}.school.example"
    hired = [people.adult("f", 1985, 2003, email_domain=domain) for _ in range(needed)]
    people.save()
    StaffRole.objects.bulk_create(
        [StaffRole(school=ctx.school, person=p, role=Role.TEACHER, position=PRIMARY_POSITION) for p in hired]
    )
    for p in hired:
        staff.teachers.append(p)
        staff.profile[p.id] = PRIMARY
    return hired


def continuity(demo: DemoSchool, successor: dict[int, SchoolClass]) -> Continuity:
    """Who each class of the next year keeps: its predecessor's teachers (by specialism and subgroup;
    a primary teacher only while the class is still a primary one) and class teacher."""
    old = demo.structure
    subgroup_number = {g.id: n for groups in old.subgroups.values() for n, g in enumerate(groups)}
    grade_of = {c.id: c.grade for c in old.classes}
    teacher: dict[tuple[int, str, int], int] = {}
    for course in demo.courses.courses:
        group, subject = course.group, course.subject.name
        new = successor.get(group.school_class_id)
        if new is None or subject == TALKS:
            continue
        old_grade = grade_of[group.school_class_id]
        profile = PRIMARY if old_grade <= 4 and subject in PRIMARY_CORE else PROFILE_OF_SUBJECT[subject]
        if profile == PRIMARY and new.grade > 4:
            continue  # the fifth grade's subjects go to subject teachers
        teacher[new.id, profile, subgroup_number.get(group.id, 0)] = demo.courses.teacher[course.id].id
    class_teacher = {
        successor[cid].id: t.id for cid, t in demo.courses.class_teacher.items() if cid in successor
    }
    return Continuity(
        teacher,
        class_teacher,
        successor[demo.courses.demo_class.id],
        demo.courses.demo_class_teacher,
    )


def build_next_year(ctx: Ctx, demo: DemoSchool) -> NextYear:
    """The next year as the school prepares it in the summer: its calendar, the classes moved up a grade
    (the eleventh grades have left, new first grades arrive), the students enrolled from 1 September,
    the courses with their teachers (kept where possible), the timetable and the lessons.

    Everything reuses the steps of the first year, given the next year's calendar; the building, rooms
    and subjects are the same.
    """
    old = demo.calendar.year
    calendar = build_calendar(ctx, old.starts.year + 1)
    size = ctx.size
    grades = sorted(
        [(c.grade + 1, c.letter) for c in demo.structure.classes if c.grade < 11]
        + [(1, LETTERS[i]) for i in range(size.classes_per_grade[0])]
    )
    structure = build_structure(ctx, calendar, grades, premises=demo.structure)
    by_name = {(c.grade, c.letter): c for c in structure.classes}
    successor = {c.id: by_name[c.grade + 1, c.letter] for c in demo.structure.classes if c.grade < 11}
    hired = hire_primary_teachers(ctx, demo.staff, structure.classes)
    courses = build_courses(ctx, calendar, structure, demo.staff, continuity(demo, successor))

    # Everyone still in a class on the old year's last day moves up with it.
    year = calendar.year
    students = {s.id: s for s in demo.pupils.students}
    moved_up = Enrollment.objects.bulk_create(
        [
            Enrollment(
                school=ctx.school,
                student=students[e.student_id],
                school_class=successor[e.school_class_id],
                starts=year.starts,
            )
            for e in demo.pupils.enrollments
            if e.ends == old.ends and e.school_class_id in successor
        ],
        batch_size=BATCH,
    )
    split_subgroups(ctx.school, year, structure, moved_up)
    newcomers = build_pupils(
        ctx, calendar, structure, courses, newcomers=[c for c in structure.classes if c.grade == 1]
    )

    bells = demo.timetable.bells
    bells = Bells(bells.default, bells.short, [short_day(ctx, calendar, bells.short)])
    timetable = build_timetable(ctx, calendar, structure, courses, bells)
    timetable.lessons = build_lessons(ctx, calendar)
    return NextYear(calendar, structure, courses, newcomers, moved_up, hired, timetable)


SEEDED_MODELS = (
    School,
    Person,
    StaffRole,
    Student,
    Parent,
    ParentLink,
    get_user_model(),
    AcademicYear,
    PeriodScheme,
    ReportingPeriod,
    Holiday,
    Building,
    Room,
    Subject,
    SchoolClass,
    StudyGroup,
    Enrollment,
    GroupMembership,
    Course,
    CourseTeacher,
    BellSchedule,
    BellSlot,
    BellDay,
    TimetableEntry,
    Lesson,
    WorkType,
    PlanTopic,
    Work,
    Cell,
    Attendance,
    LessonTopic,
    Homework,
    Remark,
    MarkLogEntry,
    MarkLogHead,
    FinalMark,
    CourseLock,
    PeriodClosure,
    LockEvent,
    Printout,
    PrintoutSignature,
)


def analyze_tables() -> None:
    """ANALYZE the tables the builder fills: a freshly seeded table has no planner statistics until
    autovacuum gets to it, and until then the planner picks slow plans (10× on the home pages)."""
    tables = {m._meta.db_table for m in SEEDED_MODELS}
    tables |= {Room.subjects.through._meta.db_table, Subject.teachers.through._meta.db_table}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in sorted(tables)))


def count_rows(school: School) -> dict[str, int]:
    """Figures for the summary: what the school holds now."""
    year = AcademicYear.objects.filter(school=school).order_by("-starts").first()
    today_ = local_today(school)
    on = min(max(today_, year.starts), year.ends) if year else today_
    current = Enrollment.objects.filter(school=school, starts__lte=on).filter(
        models.Q(ends__isnull=True) | models.Q(ends__gte=on)
    )
    parents_with_two = (
        ParentLink.objects.filter(school=school)
        .values("parent")
        .annotate(n=models.Count("student"))
        .filter(n__gte=2)
        .count()
    )
    return {
        "classes": SchoolClass.objects.filter(school=school).count(),
        "students": Student.objects.filter(school=school).count(),
        "students_now": current.count(),
        "enrollments": Enrollment.objects.filter(school=school).count(),
        "parents": Parent.objects.filter(school=school).count(),
        "parents_with_two_children": parents_with_two,
        "teachers": StaffRole.objects.filter(school=school, role=Role.TEACHER).count(),
        "deputies": StaffRole.objects.filter(school=school, role=Role.DEPUTY).count(),
        "subjects": Subject.objects.filter(school=school).count(),
        "rooms": Room.objects.filter(school=school).count(),
        "subgroups": StudyGroup.objects.filter(school=school, kind=StudyGroup.Kind.SUBGROUP).count(),
        "group_memberships": GroupMembership.objects.filter(school=school).count(),
        "courses": Course.objects.filter(school=school).count(),
        "timetable_entries": TimetableEntry.objects.filter(school=school).count(),
        "lessons": Lesson.objects.filter(school=school).count(),
        "logins": Person.objects.filter(school=school, user__isnull=False).count(),
        "plan_topics": PlanTopic.objects.filter(school=school).count(),
        "mark_columns": Work.objects.filter(school=school).count(),
        "mark_cells": Cell.objects.filter(school=school).count(),
        "attendance_marks": Attendance.objects.filter(school=school).count(),
        "lesson_topics": LessonTopic.objects.filter(school=school).count(),
        "homework": Homework.objects.filter(school=school).count(),
        "remarks": Remark.objects.filter(school=school).count(),
        "mark_log_entries": MarkLogEntry.objects.filter(school=school).count(),
        "final_marks": FinalMark.objects.filter(school=school).count(),
        "locked_course_periods": CourseLock.objects.filter(school=school, locked=True).count(),
    }


# ---------------------------------------------------------------------------
# Reset
# ---------------------------------------------------------------------------


def _school_fk(model) -> models.ForeignKey | None:
    """The FK by which rows of `model` belong to a school (CASCADE/PROTECT to School), if any."""
    for f in model._meta.concrete_fields:
        if (
            isinstance(f, models.ForeignKey)
            and f.related_model is School
            and f.remote_field.on_delete in (models.CASCADE, models.PROTECT)
        ):
            return f
    return None


def _user_triggers(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
        )
        return [r[0] for r in cursor.fetchall()]


def purge_school(school: School) -> dict[str, int]:
    """Delete every row of `school`, the school itself, and the logins only its people used.

    Deletes table by table with plain DELETEs (no TRUNCATE, no ORM collector):
    first rows of tables without a school column that point at the school's
    rows (many-to-many tables), then every table whose rows belong to the
    school. Foreign keys are deferred to the end of the transaction, so the
    order within a step does not matter. Append-only tables (the audit trail,
    whose trigger refuses DELETE) have their user triggers disabled for the
    DELETE and enabled again, inside the same transaction; only `seed_demo
    --reset` calls this, and only for demo schools. The journal goes the same
    way: its rows have a school column, and the mark log's append-only trigger
    (journal_marklogentry_append_only) is one of those disabled for the DELETE;
    the files of homework attachments and printouts are deleted after the commit.
    """
    User = get_user_model()
    deleted: dict[str, int] = {}
    storage = HomeworkAttachment._meta.get_field("file").storage
    with transaction.atomic():
        # Homework attachments' and printouts' files go once the rows are gone for good (after the commit).
        files = list(HomeworkAttachment.objects.filter(school=school).values_list("file", flat=True))
        transaction.on_commit(lambda: [storage.delete(name) for name in files if name])
        printed = Printout._meta.get_field("draft").storage
        pdfs = [
            n for pair in Printout.objects.filter(school=school).values_list("draft", "final") for n in pair
        ]
        transaction.on_commit(lambda: [printed.delete(name) for name in pdfs if name])
        owned = {m: _school_fk(m) for m in apps.get_models(include_auto_created=True)}
        owned = {m: f for m, f in owned.items() if f is not None and m is not School}
        querysets = {m: m._base_manager.filter(**{f.name: school}) for m, f in owned.items()}

        user_ids = set(
            Person.objects.filter(school=school, user__isnull=False).values_list("user_id", flat=True)
        )
        User.objects.filter(last_school=school).update(last_school=None)

        # Tables that point at the school's rows without a school column of their own.
        dependents = []
        for m in apps.get_models(include_auto_created=True):
            if m in owned or m is School or m is User:
                continue
            for f in m._meta.concrete_fields:
                if isinstance(f, models.ForeignKey) and f.related_model in owned:
                    qs = m._base_manager.filter(**{f"{f.name}__in": querysets[f.related_model].values("pk")})
                    if f.remote_field.on_delete is models.SET_NULL:
                        qs.update(**{f.name: None})
                    else:
                        dependents.append((m, qs))
        for m, qs in dependents:
            deleted[m._meta.label] = deleted.get(m._meta.label, 0) + qs._raw_delete(qs.db)

        # ALTER TABLE refuses while deferred checks of the table are pending: run them first.
        triggers = [(m._meta.db_table, t) for m in querysets for t in _user_triggers(m._meta.db_table)]
        connection.check_constraints()
        with connection.cursor() as cursor:
            for table, t in triggers:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{t}"')
        for m, qs in querysets.items():
            n = qs._raw_delete(qs.db)
            if n:
                deleted[m._meta.label] = n
        School.objects.filter(pk=school.pk)._raw_delete(connection.alias)
        connection.check_constraints()  # deferred foreign keys: fail here, not at some later commit
        with connection.cursor() as cursor:
            for table, t in triggers:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{t}"')

        # Logins used only by this school's people, unless the audit trail of elsewhere names them.
        still_used = set(Person.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))
        audited = set(AuditEvent.objects.filter(actor_id__in=user_ids).values_list("actor_id", flat=True))
        n, _detail = User.objects.filter(id__in=user_ids - still_used - audited).delete()
        deleted["logins"] = len(user_ids - still_used - audited)
    return deleted
