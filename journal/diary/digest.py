"""The journal's side of the parents' weekly digest: each student's week read from the journal's tables.

accounts/notify/digests.py writes the digest and reads no journal model (accounts is the bottom
floor); the journal's task hands it `week_news`. Three queries, whatever the school's size.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count

from accounts.notify.digests import WeekNews
from journal.models import Attendance, Cell, Remark


def _marks_text(marks, excluded) -> str:
    return " ".join(f"({m})" if i in excluded else str(m) for i, m in enumerate(marks))


def week_news(
    school, students: Iterable[int], monday: datetime.date, sunday: datetime.date
) -> dict[int, WeekNews]:
    """Per student with any news: the week's marks by subject (excluded ones in brackets), absences, lateness, remarks."""
    news: dict[int, WeekNews] = defaultdict(WeekNews)
    in_week = {"school": school, "student_id__in": list(students)}
    for student_id, values, excluded, subject in (
        Cell.objects.filter(**in_week, work__lesson__date__range=(monday, sunday))
        .exclude(marks=[])
        .order_by("work__lesson__date", "work__lesson__slot", "work__position")
        .values_list("student_id", "marks", "excluded", "work__lesson__course__subject__name")
    ):
        news[student_id].marks[subject].append(_marks_text(values, excluded))
    for row in (
        Attendance.objects.filter(**in_week, lesson__date__range=(monday, sunday))
        .exclude(status="")
        .values("student_id", "status")
        .annotate(n=Count("pk"))
    ):
        if row["status"] == Attendance.Status.LATE:
            news[row["student_id"]].lateness = row["n"]
        else:
            news[row["student_id"]].absences = row["n"]
    for student_id, kind, text, on, subject in (
        Remark.objects.filter(**in_week, lesson__date__range=(monday, sunday))
        .order_by("lesson__date", "created_at")
        .values_list("student_id", "kind", "text", "lesson__date", "lesson__course__subject__name")
    ):
        news[student_id].remarks.append((on, subject, kind, text))
    return dict(news)
