"""Benchmarks of the diary's marks and charts (journal/diary/marks_views.py) on the large demo school.

`diary_marks`: the demo parent opens their first child's marks by subject for the current period
(target < 60 ms median, a fixed number of queries). `diary_marks_year`: the same child's year overview.
`diary_charts`: the same child's running averages of the period and attendance by month.
"""


def register_benchmarks(register, url, check, failure):
    def marks(b):
        return b.get_as("parent", url("diary:marks", b.first_child().pk))

    def marks_year(b):
        return b.get_as("parent", url("diary:marks", b.first_child().pk) + "?period=year")

    def charts(b):
        return b.get_as("parent", url("diary:charts", b.first_child().pk))

    register("diary_marks", marks)
    register("diary_marks_year", marks_year)
    register("diary_charts", charts)
