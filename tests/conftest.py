"""Personas by role in a small school world, and a second school for isolation tests.

`world` builds one school: year 2026/2027 with default periods, classes 5А and
6Б, subjects, courses, and one person per role. Personas are fixtures named by
role (STYLE.md); each has a login with `factories.PASSWORD`.
"""

from dataclasses import dataclass

import pytest

from accounts.models import Delivery, NotificationPreference, Person, Role, School
from ejournal.celery import app
from schedule.models import AcademicYear, Course, SchoolClass
from tests import factories as f


@dataclass
class World:
    school: School
    year: AcademicYear
    class_5a: SchoolClass
    class_6b: SchoolClass
    math_5a: Course
    russian_5a: Course
    math_6b: Course
    admin: Person
    director: Person
    deputy: Person
    teacher: Person
    other_teacher: Person
    substitute: Person
    class_teacher: Person
    student: Person
    other_student: Person
    parent: Person
    other_parent: Person


def build_world(school=None, start_year=2026) -> World:
    school = school or f.SchoolFactory()
    year = f.make_year(school, start_year)
    admin = f.make_person(
        school, roles=[Role.ADMIN], last_name="Админова", first_name="Анна", patronymic="Петровна"
    )
    director = f.make_person(school, roles=[Role.DIRECTOR], last_name="Директоров", first_name="Борис")
    deputy = f.make_person(school, roles=[Role.DEPUTY], last_name="Завучева", first_name="Вера")
    teacher = f.make_person(school, roles=[Role.TEACHER], last_name="Математикова", first_name="Галина")
    other_teacher = f.make_person(school, roles=[Role.TEACHER], last_name="Физиков", first_name="Денис")
    substitute = f.make_person(school, roles=[Role.TEACHER], last_name="Заменов", first_name="Егор")
    class_teacher = f.make_person(school, roles=[Role.TEACHER], last_name="Классова", first_name="Жанна")
    class_5a = f.make_class(year, 5, "А", class_teacher=class_teacher)
    class_6b = f.make_class(year, 6, "Б", class_teacher=other_teacher)
    math = f.make_subject(school, "Математика", "Матем.")
    russian = f.make_subject(school, "Русский язык", "Рус. яз.")
    math_5a = f.make_course(f.whole_group(class_5a), math, teacher)
    russian_5a = f.make_course(f.whole_group(class_5a), russian, class_teacher)
    math_6b = f.make_course(f.whole_group(class_6b), math, other_teacher)
    student = f.make_person(school, roles=[Role.STUDENT], last_name="Ученикова", first_name="Зоя")
    other_student = f.make_person(school, roles=[Role.STUDENT], last_name="Другов", first_name="Илья")
    f.enroll(student, class_5a)
    f.enroll(other_student, class_6b)
    parent = f.make_person(school, roles=[Role.PARENT], last_name="Ученикова", first_name="Ксения")
    other_parent = f.make_person(school, roles=[Role.PARENT], last_name="Другова", first_name="Лариса")
    f.link_parent(parent, student, "mother")
    f.link_parent(other_parent, other_student, "mother")
    return World(
        school=school,
        year=year,
        class_5a=class_5a,
        class_6b=class_6b,
        math_5a=math_5a,
        russian_5a=russian_5a,
        math_6b=math_6b,
        admin=admin,
        director=director,
        deputy=deputy,
        teacher=teacher,
        other_teacher=other_teacher,
        substitute=substitute,
        class_teacher=class_teacher,
        student=student,
        other_student=other_student,
        parent=parent,
        other_parent=other_parent,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def other_world(db) -> World:
    """A second school with the same shape, for isolation tests."""
    return build_world()


ROLE_PERSONAS = ["admin", "director", "deputy", "teacher", "class_teacher", "student", "parent"]


@pytest.fixture
def admin(world):
    return world.admin


@pytest.fixture
def director(world):
    return world.director


@pytest.fixture
def deputy(world):
    return world.deputy


@pytest.fixture
def teacher(world):
    return world.teacher


@pytest.fixture
def other_teacher(world):
    return world.other_teacher


@pytest.fixture
def substitute(world):
    return world.substitute


@pytest.fixture
def class_teacher(world):
    return world.class_teacher


@pytest.fixture
def student(world):
    return world.student


@pytest.fixture
def parent(world):
    return world.parent


@pytest.fixture
def other_parent(world):
    return world.other_parent


@pytest.fixture
def outsider_from_other_school(other_world):
    return other_world.admin


@pytest.fixture
def login(client):
    """`login(person)` signs the test client in as that person's login (no second factor)."""

    def do(person):
        client.force_login(person.user)
        return client

    return do


@pytest.fixture
def operator(db):
    return f.UserFactory(is_superuser=True, is_staff=True, username="operator")


# Chromium fixtures (one browser per test process, shared by every browser test).
from tests.browser_fixtures import browser, chromium, page, phone_page  # noqa: E402, F401
from tests.celery_fixtures import fresh_broker  # noqa: E402, F401

# Every test runs at a moment it chooses (the autouse `clock`; `@pytest.mark.now(...)`).
from tests.clock import _travel, clock  # noqa: E402, F401


@pytest.fixture
def english():
    """Service messages in English for tests that match their wording (pages stay Russian by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language (Russian): a request of an earlier test in the same worker
    leaves its language active in the thread, which would make text asserted outside a request depend on
    the order the tests run in."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded files (homework attachments) go to a temporary folder, never the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


# Parents' notifications (tests/accounts/test_notify.py, tests/journal/test_notifications.py)


@pytest.fixture
def family(world):
    """The world's parent with an e-mail; a second parent of the same student who wants everything daily."""
    world.parent.email = "mama@example.ru"
    world.parent.save()
    father = f.make_person(world.school, roles=["parent"], last_name="Учеников", first_name="Олег")
    father.email = "papa@example.ru"
    father.save()
    f.link_parent(father, world.student, "father")
    NotificationPreference.objects.create(
        school=world.school,
        parent=father.parent,
        marks=Delivery.DAILY,
        attendance=Delivery.DAILY,
        remarks=Delivery.DAILY,
        weekly=False,
    )
    return world.parent, father


@pytest.fixture
def celery_broker_unreachable():
    """Celery's broker pointed at a closed port (connection pools dropped so the change applies); Redis as
    the cache stays reachable."""
    from accounts import jobs

    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:6390/0"
    app._after_fork()
    jobs._breakers.clear()  # each test meets the outage afresh (the breaker would skip the first publish)
    yield
    app.conf.broker_url = saved
    app._after_fork()


@pytest.fixture(autouse=True)
def _sign_in_throttle():
    """Sign-in counters in Redis (accounts/throttle.py) start empty: every test signs in from 127.0.0.1 at
    the same moment of the clock, so one test's failures would otherwise slow the next test's sign-ins."""
    from accounts import throttle

    throttle.forget_all()
