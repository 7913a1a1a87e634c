"""The class teacher's reports (R-R-1, seed 002 6.3.9), in the order the regulation lists them.

The deputy and the director read them too (seed 002 6.6.4); `reports.rules`
decides who may run which for which class.
"""

from django.utils.translation import gettext_lazy as _

from . import queries_class as q
from .catalog import ReportSpec
from .rules import view_class_report

SPECS = [
    ReportSpec(
        code="class_attendance",
        title=_("Class attendance by month"),
        audience="class_teacher",
        params=("class", "period"),
        query=q.class_attendance,
        allowed=view_class_report,
        description=_(
            "Missed lessons of each student by month of the period: illness, excused, unexcused, late."
        ),
    ),
    ReportSpec(
        code="class_preliminary",
        title=_("Preliminary class teacher's report for the period"),
        audience="class_teacher",
        params=("class", "period"),
        query=q.class_preliminary,
        allowed=view_class_report,
        description=_("As of today: students with an average at the «2» level or no marks, and absences."),
    ),
    ReportSpec(
        code="class_final",
        default_period="ended",
        title=_("Class teacher's report for the period"),
        audience="class_teacher",
        params=("class", "period"),
        query=q.class_final,
        allowed=view_class_report,
        description=_("Excellent, good, one-«3» and failing students by final marks; progress and quality."),
    ),
    ReportSpec(
        code="class_results",
        default_period="ended",
        title=_("Class results for the period"),
        audience="class_teacher",
        params=("class", "period"),
        query=q.class_results,
        allowed=view_class_report,
        description=_("Per subject: final marks 5/4/3/2, progress %, quality %, average mark."),
    ),
    ReportSpec(
        code="summary_progress",
        default_period="ended",
        title=_("Summary sheet of progress"),
        audience="class_teacher",
        params=("class", "period"),
        query=q.summary_progress,
        allowed=view_class_report,
        description=_("Students × subjects: the period's final marks and averages."),
    ),
    ReportSpec(
        code="summary_attendance",
        title=_("Summary sheet of attendance"),
        audience="class_teacher",
        params=("class",),
        query=q.summary_attendance,
        allowed=view_class_report,
        description=_("Students × reporting periods of the year: missed lessons by reason, late."),
    ),
    ReportSpec(
        code="student_movement",
        title=_("Summary sheet of student movement"),
        audience="class_teacher",
        params=("class", "dates"),
        query=q.student_movement,
        allowed=view_class_report,
        description=_("Students at the start and the end of the dates, who arrived and who left."),
    ),
]
