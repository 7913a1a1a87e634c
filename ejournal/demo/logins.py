"""The fixed demo logins (admin, director, deputy, class teacher, teacher, student, parent) and the
list `seed_demo --logins-json` writes."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models.functions import Lower

from accounts.models import Person

from .context import Ctx
from .courses import Courses
from .names import translit
from .pupils import Pupils
from .sizes import BATCH, DemoError, Size, get_size
from .staff import Staff

DEMO_PASSWORD = "demo-school-2026"  # passes the password rules (12+ characters, not common)


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


def demo_logins(size: str | Size = "default", login_prefix: str | None = None) -> list[dict]:
    """The fixed demo logins of a size: [{"role", "username", "password"}], in LOGIN_ROLES order."""
    prefix = get_size(size).login_prefix if login_prefix is None else login_prefix
    return [{"role": r, "username": prefix + USERNAMES[r], "password": DEMO_PASSWORD} for r in LOGIN_ROLES]


@dataclass
class DemoLogin:
    role: str
    username: str
    password: str
    person: Person
    note: str = ""

    def as_dict(self) -> dict:
        return {"role": self.role, "username": self.username, "password": self.password}


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
