"""People seen through their classes: the people pages' class names and class history, the classes a
login's codes and slips are issued for, and who is in a class today.

The rest of a person (roles, logins, consent, parent links) is read by `accounts.selectors`; these
selectors add the class to it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field, fields

from django.db.models import CharField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors as people
from accounts.models import ParentLink, Person, Role, School
from accounts.selectors import local_today, usable_codes

from .models import Enrollment, SchoolClass
from .selectors import covering, current_open_year, day_in_year


def class_date(school_class: SchoolClass, on: datetime.date | None = None) -> datetime.date:
    """The school's today (or `on`), clamped into the class's year: before 1 September the first day counts."""
    return day_in_year(school_class.year, on or local_today(school_class.school))


def current_class_subquery(on: datetime.date, student_ref: str = "student"):
    """The name of the class a student is in on `on` (grade + letter), for annotations."""
    return Subquery(
        Enrollment.objects.filter(covering(on), student=OuterRef(student_ref))
        .annotate(label=Concat(Cast("school_class__grade", CharField()), "school_class__letter"))
        .values("label")[:1]
    )


def people_list(school: School, *, on: datetime.date | None = None, **filters) -> QuerySet[Person]:
    """`accounts.selectors.people_list` with each student's class today (`class_name`)."""
    on = on or local_today(school)
    return people.people_list(school, on=on, **filters).annotate(class_name=current_class_subquery(on))


def people_without_consent(school: School, *, kind: str = "", on=None) -> QuerySet[Person]:
    """R-ACC-8: people of the school with no consent valid today, with their class."""
    return people_list(school, kind=kind, consent=people.CONSENT_NO, on=on)


@dataclass
class PersonCard(people.PersonCard):
    enrollments: list = field(default_factory=list)  # the student's stays in classes, newest first
    led_classes: list = field(default_factory=list)  # the classes the person leads, every year


def person_card(person: Person, on: datetime.date | None = None) -> PersonCard:
    """Everything the person page shows: `accounts.selectors.person_card` and the person's classes."""
    card = people.person_card(person, on)
    student = getattr(person, "student", None)
    return PersonCard(
        **{f.name: getattr(card, f.name) for f in fields(people.PersonCard)},
        enrollments=list(
            Enrollment.objects.filter(student=student)
            .select_related("school_class__year")
            .order_by("-starts")
        )
        if student
        else [],
        led_classes=list(
            person.led_classes.select_related("year").order_by("-year__starts", "grade", "letter")
        ),
    )


def invite_classes(actor, year=None) -> list[SchoolClass]:
    """Classes of the current open year whose codes the actor may issue: all for the admin, own for a teacher."""
    year = year or current_open_year(actor.school)
    if year is None:
        return []
    classes = SchoolClass.objects.filter(school=actor.school, year=year).select_related(
        "class_teacher", "year"
    )
    if not actor.has_role(Role.ADMIN):
        if actor.person is None or not actor.has_role(Role.TEACHER):
            return []
        classes = classes.filter(class_teacher=actor.person)
    return list(classes.order_by("grade", "letter"))


def class_students(school_class: SchoolClass, on: datetime.date | None = None) -> QuerySet[Person]:
    """People enrolled in the class on `on` (the school's today, clamped into the class's year)."""
    enrolled = Enrollment.objects.filter(covering(class_date(school_class, on)), school_class=school_class)
    return Person.objects.filter(
        school=school_class.school_id, student__in=enrolled.values("student")
    ).order_by("last_name", "first_name", "patronymic", "id")


def led_class_students(actor) -> Iterator[QuerySet[Person]]:
    """The students of each class whose codes the actor issues (registered with `accounts.rules`, which
    stops at the first class that answers)."""
    return (class_students(school_class) for school_class in invite_classes(actor))


@dataclass
class InviteRow:
    person: Person
    role: str
    label: str  # "student" or "parent of …", already translated
    code: object | None  # the newest usable InviteCode, if any
    child: Person | None = None  # for a parent: the student of the class


def class_invite_rows(school_class: SchoolClass, on: datetime.date | None = None) -> list[InviteRow]:
    """Each student of the class followed by their parents, with login and code status."""
    codes = usable_codes(timezone.now()).order_by("-created_at")
    students = list(
        class_students(school_class, on)
        .select_related("student", "user")
        .prefetch_related(
            Prefetch("invite_codes", queryset=codes, to_attr="usable_codes"),
            Prefetch(
                "student__parent_links",
                queryset=ParentLink.objects.select_related("parent__person__user")
                .prefetch_related(
                    Prefetch("parent__person__invite_codes", queryset=codes, to_attr="usable_codes")
                )
                .order_by("parent__person__last_name", "parent__person__first_name"),
            ),
        )
    )
    rows = []
    for person in students:
        rows.append(InviteRow(person, Role.STUDENT, _("student"), next(iter(person.usable_codes), None)))
        for link in person.student.parent_links.all():
            parent = link.parent.person
            rows.append(
                InviteRow(
                    parent,
                    Role.PARENT,
                    _("parent of %(child)s") % {"child": person.full_name},
                    next(iter(parent.usable_codes), None),
                    child=person,
                )
            )
    return rows
