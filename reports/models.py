"""Period printouts of a class journal and their sign-off (R-R-5), and the year summary sheet (R-R-6).

A `Printout` is one paper document of one class: the journal of a reporting period
(title page, a page per course, the attendance page) or the year's summary sheet of
final marks. Its content is a snapshot (`data`, plain JSON) taken when the deputy
generates it, so what the teachers confirm is exactly what is frozen later. Each
sign-off step is a `PrintoutSignature` (seed 002, instruction §4: subject teachers,
then the class teacher, the deputy, the director). After the director's signature
the final PDF is rendered once, stored with its SHA-256, and answers on the public
verification page by its `code`.
"""

import secrets

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, School

# Verification codes: no 0/O, 1/I/L to misread on paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def printout_path(instance, filename):
    # Random, per school, outside any public URL: served only by the printout views.
    return f"printouts/{instance.school_id}/{secrets.token_hex(16)}.pdf"


class Printout(models.Model):
    class Kind(models.TextChoices):
        PERIOD = "period", _("period journal")
        YEAR = "year", _("year summary sheet")

    class Render(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    UNSENT = "unsent"  # `render_error` of a queued render whose task did not reach the broker

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("schedule.AcademicYear", on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey("schedule.SchoolClass", on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(
        "schedule.ReportingPeriod", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERIOD)
    version = models.PositiveSmallIntegerField(default=1)
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_code)
    data = models.JSONField(default=dict)  # the snapshot the pages are printed from (reports.printouts)
    # Small copies of the snapshot's sign-off parts, read by lists without loading `data`:
    # [{"course_id", "subject", "group", "teachers": [names], "teacher_ids": [ids]}], the class teacher.
    courses = models.JSONField(default=list)
    teacher_ids = ArrayField(models.BigIntegerField(), default=list)
    class_teacher = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    render_status = models.CharField(max_length=10, choices=Render.choices, default=Render.QUEUED)
    render_error = models.TextField(blank=True)
    draft = models.FileField(upload_to=printout_path, max_length=200, blank=True)
    final = models.FileField(upload_to=printout_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("printout")
        verbose_name_plural = _("printouts")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "period", "kind", "version"],
                nulls_distinct=False,
                name="printout_version_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind="period", period__isnull=False) | Q(kind="year", period__isnull=True),
                name="printout_period_iff_period_kind",
            ),
            models.CheckConstraint(
                condition=Q(render_status__in=["queued", "running", "done", "failed"]),
                name="printout_render_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["school", "period", "kind"])]

    def __str__(self):
        return f"{self.school_class_id}/{self.period_id or 'year'} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return bool(self.frozen_at and self.sha256)

    @property
    def unsent(self) -> bool:
        return self.render_status == self.Render.QUEUED and self.render_error == self.UNSENT

    @property
    def rendering(self) -> bool:
        return self.render_status in (self.Render.QUEUED, self.Render.RUNNING)


class Step(models.TextChoices):
    """The sign-off steps in the regulation's order (seed 002, instruction §4.3–4.5)."""

    COURSE = "course", _("subject teacher")
    CLASS_TEACHER = "class_teacher", _("class teacher")
    DEPUTY = "deputy", _("deputy director")
    DIRECTOR = "director", _("director")


class PrintoutSignature(models.Model):
    """One sign-off step done: who (and under which name, as printed), when; a course's pages or a whole step."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    printout = models.ForeignKey(Printout, on_delete=models.CASCADE, related_name="signatures")
    step = models.CharField(_("step"), max_length=15, choices=Step.choices)
    course = models.ForeignKey(
        "schedule.Course", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=300)  # the signer's name as printed
    user = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("printout signature")
        verbose_name_plural = _("printout signatures")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["printout", "step", "course"], nulls_distinct=False, name="printoutsig_once"
            ),
            models.CheckConstraint(
                condition=Q(step="course", course__isnull=False)
                | (~Q(step="course") & Q(course__isnull=True)),
                name="printoutsig_course_iff_course_step",
            ),
        ]

    def __str__(self):
        return f"{self.printout_id} {self.step} {self.course_id or ''} {self.name}"


def monthly_path(instance, filename):
    # Random, per school, outside any public URL: served only by the monthly report's download view.
    return f"monthly/{instance.school_id}/{secrets.token_hex(16)}{filename[filename.rfind('.') :]}"


class MonthlyReport(models.Model):
    """The user-activity report of one school for one month (R-R-4), built by the beat on the 1st of the next
    month (reports/monthly.py) and kept as PDF and XLSX. One row per school and month: the job inserts it
    unbuilt and the worker that locks it builds it (`built_at`); a second worker skips it."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # its first day
    pdf = models.FileField(upload_to=monthly_path, max_length=200, blank=True)
    xlsx = models.FileField(upload_to=monthly_path, max_length=200, blank=True)
    summary = models.JSONField(default=dict)  # the school's figures the list page shows
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("monthly activity report")
        verbose_name_plural = _("monthly activity reports")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["school", "month"], name="monthlyreport_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthlyreport_first_day"),
        ]

    def __str__(self):
        return f"{self.school_id} {self.month:%Y-%m}"


def period_report_path(instance, filename):
    # As `monthly_path`: random, per school, served only by the period report's download view.
    return f"periods/{instance.school_id}/{secrets.token_hex(16)}{filename[filename.rfind('.') :]}"


class PeriodReport(models.Model):
    """A progress-and-quality report of one school for one reporting period (seed 002 9.2), built by the beat
    the day after the period's finals deadline (reports/period_reports.py) and kept as PDF and XLSX. A sibling
    of `MonthlyReport` rather than a generalisation of it: it is keyed by a period (a foreign key, of any of the
    year's schemes) and a catalogue report (`kind`), and it may be rebuilt (`built_by`: who asked, or the job).
    One row per period and kind; the same insert-then-lock pattern builds it once. The year's report (`YEAR`,
    the year finals) is keyed by the year's last period (`period_reports.year_key`): one per school and year."""

    class Kind(models.TextChoices):
        FINALS = "finals_by_student", _("Final data per student")
        YEAR = "year", _("Year final data per student")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("schedule.ReportingPeriod", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.FINALS)
    pdf = models.FileField(upload_to=period_report_path, max_length=200, blank=True)
    xlsx = models.FileField(upload_to=period_report_path, max_length=200, blank=True)
    summary = models.JSONField(default=dict)  # the school's figures the list page shows
    built_at = models.DateTimeField(null=True, blank=True)
    # A rebuild asked from the page (the admin or the deputy): a worker builds it (reports/period_reports.py).
    rebuild_asked_at = models.DateTimeField(null=True, blank=True)
    built_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("period report")
        verbose_name_plural = _("period reports")
        constraints = [models.UniqueConstraint(fields=["period", "kind"], name="periodreport_once")]

    def __str__(self):
        return f"{self.school_id} {self.period_id} {self.kind}"
