"""The subject teacher's (R-R-2, seed 002 6.4.12) and the administration's (R-R-3, seed 002 6.6.4, 6.6.5,
instruction 3.5) reports: their codes, parameters, queries and access rules (see reports/catalog.py).

The subject teacher's reports run for a teacher (a teacher gets themselves; the
administration chooses) over all their courses; the queries also take a single
course (`Params.course`) should the form offer one.
"""

from django.utils.translation import gettext_lazy as _

from . import queries_leadership as ql
from . import queries_teacher as qt
from .catalog import ReportSpec
from .rules import view_school_report, view_teacher_report

SPECS = [
    ReportSpec(
        code="teacher_preliminary",
        title=_("Preliminary period report"),
        audience="subject_teacher",
        params=("teacher", "period"),
        query=qt.preliminary,
        allowed=view_teacher_report,
        description=_(
            "As of today, per course: each student's marks, weighted average, forecast and missed lessons; "
            "students at risk (a forecast «2» or no marks)."
        ),
    ),
    ReportSpec(
        code="teacher_class_results",
        default_period="ended",
        title=_("Class results for the period"),
        audience="subject_teacher",
        params=("teacher", "period"),
        query=qt.class_results,
        allowed=view_teacher_report,
        description=_("Per course: final marks 5/4/3/2, progress %, quality %, average mark."),
    ),
    ReportSpec(
        code="teacher_progress_summary",
        title=_("Progress summary"),
        audience="subject_teacher",
        params=("teacher",),
        query=qt.progress_summary,
        allowed=view_teacher_report,
        description=_("Per course: progress % and quality % in each period of the year and for the year."),
    ),
    ReportSpec(
        code="school_movement",
        title=_("School movement dynamics"),
        audience="leadership",
        params=("dates",),
        query=ql.school_movement,
        allowed=view_school_report,
        description=_("Per class and grade: students at the start, arrived, left, at the end."),
    ),
    ReportSpec(
        code="class_sizes",
        title=_("Class sizes"),
        audience="leadership",
        params=("period",),
        query=ql.class_sizes,
        allowed=view_school_report,
        description=_(
            "Students of each class on the period's last day (today within it), class teachers, subgroups; "
            "totals per level."
        ),
    ),
    ReportSpec(
        code="finals_by_student",
        default_period="ended",
        title=_("Final data per student"),
        audience="leadership",
        params=("period",),
        query=ql.finals_by_student,
        allowed=view_school_report,
        description=_(
            "Every student's period finals by mark and category (excellent, good, one «3», failing); "
            "per class progress and quality."
        ),
    ),
    ReportSpec(
        code="year_finals_by_student",
        title=_("Year final data per student"),
        audience="leadership",
        params=(),
        query=ql.year_finals_by_student,
        allowed=view_school_report,
        description=_(
            "Every student's year finals by mark and category (excellent, good, one «3», failing); "
            "per class and for the school progress and quality."
        ),
    ),
    ReportSpec(
        code="journal_control",
        title=_("Journal keeping control"),
        audience="leadership",
        params=("period",),
        query=ql.journal_control,
        allowed=view_school_report,
        description=_(
            "Per teacher: lessons with a topic and homework, students with no or one mark, late finals; "
            "students' and parents' sign-ins."
        ),
    ),
]
