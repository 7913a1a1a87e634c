"""The permission matrix: every URL of the project × every role → the expected answer.

Each area lists its rows in `tests/matrix/rows_<area>.py` as `ROWS = [Row(...), ...]`.
`tests/test_permission_matrix.py` walks every URL pattern of the project and
fails when one has no row, then requests each row as each role.

Roles (the `expect` keys): anonymous, admin, director, deputy, teacher (teaches
5А maths, leads no class), class_teacher (leads 5А, teaches 5А Russian),
student (of 5А), parent (of that student), outsider (the admin of another
school: object URLs of this school must answer 404), operator (district
superuser without a school).

`expect` maps role → status; roles not named get `default` (403). For
anonymous the default is a redirect to the sign-in page (302).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = [
    "anonymous",
    "admin",
    "director",
    "deputy",
    "teacher",
    "class_teacher",
    "student",
    "parent",
    "outsider",
    "operator",
]
STAFF_READ = {"admin": 200, "director": 200, "deputy": 200}


@dataclass
class Row:
    name: str  # URL name, e.g. "schedule:class_detail"
    expect: dict[str, int]
    kwargs: Callable | None = None  # world -> URL kwargs
    method: str = "get"
    data: Callable | None = None  # world -> POST data
    query: str = ""  # appended to the URL, e.g. "?child=1"
    default: int = 403
    anonymous: int = 302
    note: str = ""
    extra: dict = field(default_factory=dict)

    def expected(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if role == "anonymous":
            return self.anonymous
        return self.default

    @property
    def id(self) -> str:
        return f"{self.name}{'[' + self.method + ']' if self.method != 'get' else ''}{self.query}"
