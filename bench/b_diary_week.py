"""Benchmarks of the diary's week and homework pages (journal/diary/week_views.py) on the large demo school.

`diary_week`: the demo parent opens their first child's current week (target < 40 ms median, a fixed
number of queries). `diary_homework`: the same child's homework due in the next two weeks.
"""


def register_benchmarks(register, url, check, failure):
    def week(b):
        child = b.first_child()
        return b.get_as("parent", url("diary:week", child.pk))

    def homework(b):
        child = b.first_child()
        return b.get_as("parent", url("diary:homework", child.pk))

    register("diary_week", week)
    register("diary_homework", homework)
