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
anonymous the default is a redirect to the sign-in page (302); a row whose
anonymous 302 goes elsewhere names the page in `anonymous_to`. Every 403 must
leave a `permission_denied` audit entry of the refused login (R-ACC-9).

Every view that handles POST has POST rows (tests/test_permission_matrix.py finds
those views in the URL configuration). A row may say what its request may change:
`state(world)` is read before and after the request; it must change for the roles
in `changed_by` (so the row is known to look at what the view writes) and stay
exactly as it was for every other role (so a refused POST is known to have
written nothing). `session(world)` puts keys into the client's session before the
request (a multi-step form's earlier step).
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
    extra: dict = field(default_factory=dict)  # "format_query": world -> values for `query`'s {names}
    state: Callable | None = None  # world -> what the request may change (compared before and after)
    changed_by: frozenset[str] = frozenset()  # the roles whose request changes `state`
    session: Callable | None = None  # world -> keys put into the client's session before the request
    anonymous_to: str = "accounts:login"  # URL name an anonymous 302 leads to

    def expected(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if role == "anonymous":
            return self.anonymous
        return self.default

    @property
    def id(self) -> str:
        return f"{self.name}{'[' + self.method + ']' if self.method != 'get' else ''}{self.query}"
