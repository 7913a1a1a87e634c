"""Benchmarks of the diary's week and homework pages (journal/diary_week_views.py) on the large demo school.

`diary_week`: the demo parent opens their first child's current week (target < 40 ms median, a fixed
number of queries). `diary_homework`: the same child's homework due in the next two weeks.
"""


def _first_child(b, failure):
    from accounts.models import Person
    from schedule.selectors import children_of_parent

    parent = Person.objects.get(user=b.users["parent"], school=b.school)
    children = children_of_parent(parent)
    if not children:
        raise failure("the demo parent has no children linked")
    return children[0]


def register_benchmarks(register, url, check, failure):
    def week(b):
        child = _first_child(b, failure)
        return b.get_as("parent", url("diary:week", child.pk))

    def homework(b):
        child = _first_child(b, failure)
        return b.get_as("parent", url("diary:homework", child.pk))

    register("diary_week", week)
    register("diary_homework", homework)
