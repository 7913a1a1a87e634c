from django.db.models import Count, Q

from .models import Role, School


def schools_overview():
    """Every school with aggregate figures only: the operator sees no personal data."""
    return School.objects.annotate(
        people_count=Count("people", distinct=True),
        student_count=Count("people", filter=Q(people__student__isnull=False), distinct=True),
        teacher_count=Count("people", filter=Q(people__staff_roles__role=Role.TEACHER), distinct=True),
        login_count=Count("people", filter=Q(people__user__isnull=False), distinct=True),
    ).order_by("short_name")
