"""factory_boy factories for the school world. Rows are created directly; services are tested on their own."""

import datetime
import uuid

import factory
from django.contrib.auth import get_user_model

from accounts.models import Parent, ParentLink, Person, Role, School, StaffRole, Student
from schedule.models import (
    AcademicYear,
    Building,
    Course,
    CourseTeacher,
    Enrollment,
    PeriodScheme,
    ReportingPeriod,
    Room,
    SchoolClass,
    StudyGroup,
    Subject,
)

PASSWORD = "Secret-pass-123"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"Муниципальная школа № {n}")
    short_name = factory.Sequence(lambda n: f"Школа № {n}")
    slug = factory.LazyFunction(lambda: f"school-{uuid.uuid4().hex[:10]}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    school = factory.SubFactory(SchoolFactory)
    last_name = factory.Iterator(["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов"])
    first_name = factory.Iterator(["Иван", "Пётр", "Алексей", "Дмитрий", "Сергей"])
    # Women's surnames end in -а/-я here: their patronymics must too (Сергеевна, not Сергеевич).
    patronymic = factory.LazyAttributeSequence(
        lambda o, n: (
            ["Иванов", "Петров", "Сергеев"][n % 3] + ("на" if o.last_name.endswith(("а", "я")) else "ич")
        )
    )
    user = None


def make_person(school, *, roles=(), login=True, **names) -> Person:
    """A person of `school` with staff roles and (by default) a login with PASSWORD."""
    user = UserFactory() if login else None
    person = PersonFactory(school=school, user=user, **names)
    for role in roles:
        if role == Role.STUDENT:
            Student.objects.create(school=school, person=person)
        elif role == Role.PARENT:
            Parent.objects.create(school=school, person=person)
        else:
            StaffRole.objects.create(school=school, person=person, role=role)
    return person


def make_year(school, start_year=2026) -> AcademicYear:
    """An academic year with default periods: quarters for grades 1–9, half-years for 10–11."""
    year = AcademicYear.objects.create(
        school=school,
        name=f"{start_year}/{start_year + 1}",
        starts=datetime.date(start_year, 9, 1),
        ends=datetime.date(start_year + 1, 5, 31),
    )
    quarters = PeriodScheme.objects.create(
        school=school, year=year, kind="quarters", grades=list(range(1, 10))
    )
    halves = PeriodScheme.objects.create(school=school, year=year, kind="halves", grades=[10, 11])
    y = start_year
    for n, (a, b) in enumerate(
        [
            ((y, 9, 1), (y, 10, 24)),
            ((y, 11, 5), (y, 12, 28)),
            ((y + 1, 1, 12), (y + 1, 3, 20)),
            ((y + 1, 3, 30), (y + 1, 5, 31)),
        ],
        start=1,
    ):
        ReportingPeriod.objects.create(
            school=school,
            scheme=quarters,
            number=n,
            name=f"{n} четверть",
            starts=datetime.date(*a),
            ends=datetime.date(*b),
        )
    for n, (a, b) in enumerate([((y, 9, 1), (y, 12, 28)), ((y + 1, 1, 12), (y + 1, 5, 31))], start=1):
        ReportingPeriod.objects.create(
            school=school,
            scheme=halves,
            number=n,
            name=f"{n} полугодие",
            starts=datetime.date(*a),
            ends=datetime.date(*b),
        )
    return year


def make_class(year, grade, letter, class_teacher=None) -> SchoolClass:
    school_class = SchoolClass.objects.create(
        school=year.school, year=year, grade=grade, letter=letter, class_teacher=class_teacher
    )
    StudyGroup.objects.create(
        school=year.school,
        year=year,
        kind="whole_class",
        name=school_class.name,
        grade=grade,
        school_class=school_class,
    )
    return school_class


def whole_group(school_class) -> StudyGroup:
    return school_class.groups.get(kind="whole_class")


def enroll(student_person, school_class, starts=None, ends=None) -> Enrollment:
    return Enrollment.objects.create(
        school=school_class.school,
        student=student_person.student,
        school_class=school_class,
        starts=starts or school_class.year.starts,
        ends=ends,
    )


def make_course(group, subject, teacher) -> Course:
    course = Course.objects.create(school=group.school, year=group.year, subject=subject, group=group)
    CourseTeacher.objects.create(
        school=group.school, course=course, teacher=teacher, starts=group.year.starts
    )
    return course


def link_parent(parent_person, student_person, relation="mother") -> ParentLink:
    return ParentLink.objects.create(
        school=parent_person.school,
        parent=parent_person.parent,
        student=student_person.student,
        relation=relation,
    )


def make_subject(school, name, short_name=None, **kw) -> Subject:
    return Subject.objects.create(school=school, name=name, short_name=short_name or name[:10], **kw)


def make_room(school, name, building=None) -> Room:
    building = building or Building.objects.get_or_create(school=school, name="Главный корпус")[0]
    return Room.objects.create(school=school, building=building, name=name)


# Timetable

BELLS = [
    ("08:30", "09:15"),
    ("09:25", "10:10"),
    ("10:30", "11:15"),
    ("11:35", "12:20"),
    ("12:30", "13:15"),
    ("13:25", "14:10"),
    ("14:20", "15:05"),
    ("15:15", "16:00"),
]


def make_bells(school, shift=1, name=None, slots=BELLS, is_default=True):
    """A bell schedule with numbered slots 1…n (the usual 45-minute lessons)."""
    from schedule.models import BellSchedule, BellSlot

    schedule = BellSchedule.objects.create(
        school=school, name=name or f"Основное расписание, смена {shift}", shift=shift, is_default=is_default
    )
    for number, (a, b) in enumerate(slots, start=1):
        BellSlot.objects.create(
            school=school,
            schedule=schedule,
            number=number,
            starts=datetime.time.fromisoformat(a),
            ends=datetime.time.fromisoformat(b),
        )
    return schedule


def make_lesson(course, date, slot=1, *, teacher=None, room=None, bells=BELLS, **kw):
    """A concrete lesson of `course` on `date` in `slot` (times from the usual bells)."""
    from schedule.models import Lesson

    year = course.year
    grade = course.group.grade
    period = ReportingPeriod.objects.get(
        scheme__year=year, scheme__grades__contains=[grade], starts__lte=date, ends__gte=date
    )
    a, b = bells[slot - 1]
    return Lesson.objects.create(
        school=course.school,
        year=year,
        period=period,
        course=course,
        group=course.group,
        teacher=teacher or course.teachers.first().teacher,
        room=room,
        date=date,
        slot=slot,
        starts=datetime.time.fromisoformat(a),
        ends=datetime.time.fromisoformat(b),
        **kw,
    )


def verified_login(client, user):
    """Sign the test client in as `user` past the second factor (a confirmed authenticator, made if missing)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def make_invited_parent(world, **names) -> tuple[Person, str]:
    """A parent of the world's student without a login, and the plain invite code issued to them (7 days)."""
    from django.utils import timezone

    from accounts.models import InviteCode, hash_code, new_code

    mother = make_person(world.school, roles=[Role.PARENT], login=False, **names)
    link_parent(mother, world.student, "mother")
    code = new_code()
    InviteCode.objects.create(
        school=world.school,
        person=mother,
        role=Role.PARENT,
        code_hash=hash_code(code),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    return mother, code
