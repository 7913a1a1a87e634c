"""Rows for /diary/ (journal/diary/views.py): the person's own diary or their child's.

The student and the parent are redirected to a week (the parent's first child's, or `?child=`
of their own children only); staff have no diary of their own (404); `?child=` of someone
else's child answers 404 to everyone.
"""

from tests.matrix import Row

STAFF = ["admin", "director", "deputy", "teacher", "class_teacher"]

ROWS = [
    Row(
        "diary:index",
        expect={"student": 302, "parent": 302, "operator": 302}
        | {role: 404 for role in [*STAFF, "outsider"]},
        note="the student's own diary, the parent's first child's",
    ),
    Row(
        "diary:index",
        query="?child=999999999",
        expect={role: 404 for role in [*STAFF, "student", "parent", "outsider"]} | {"operator": 302},
        note="?child= accepts only the parent's own children",
    ),
]
