"""Services of the printouts (R-R-5, R-R-6): generate, sign in the regulation's order, freeze, verify.

Seed 002, instruction §4: the deputy prints the journals of the period (day 2);
each subject teacher checks and signs the pages of their subject (day 3); the
class teacher certifies the title page (day 4, after the teachers); the deputy
signs and hands them to the director (day 5). Here each step is a
`PrintoutSignature`, refused out of order or by the wrong person with a clear
message; every write is audited in its own transaction.

Rendering is a Celery task (`reports.tasks.render_printout_task`), enqueued after
the commit: the draft when a printout is generated, the final once the director has
signed. The final carries the verification code (assigned when the printout is
created, so it is on the pages before the file exists) and its SHA-256 covers the
final bytes as stored. A broker that is down leaves the render queued and marked;
`retry_unsent` (a beat task) sends it again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import audit, jobs
from schedule.models import ReportingPeriod

from . import printout_rules as rules
from . import printouts
from .models import Printout, PrintoutSignature, Step

log = logging.getLogger(__name__)

Render = Printout.Render


# Where a printout stands


@dataclass
class CourseStep:
    course_id: int
    subject: str
    group: str
    teachers: list[str]
    teacher_ids: list[int]
    signature: PrintoutSignature | None = None


@dataclass
class State:
    """The sign-off state of a printout: the course pages, the three later steps, who holds it up."""

    printout: Printout
    courses: list[CourseStep]
    class_teacher: PrintoutSignature | None
    deputy: PrintoutSignature | None
    director: PrintoutSignature | None
    waiting: list[str] = field(default_factory=list)  # names (or a reason) of who must act next
    stage: str = (
        ""  # "courses" | "class_teacher" | "deputy" | "director" | "freezing" | "frozen" | "rendering"
    )

    @property
    def confirmed(self) -> int:
        return sum(1 for c in self.courses if c.signature)

    @property
    def total(self) -> int:
        return len(self.courses)

    @property
    def courses_done(self) -> bool:
        return all(c.signature for c in self.courses)


def state_of(
    printout: Printout, signatures: list[PrintoutSignature] | None = None, names: dict | None = None
) -> State:
    """Where `printout` stands; `signatures` and `names` (`printouts.leaders`) when the caller loaded them
    for many printouts at once. Reads neither the snapshot nor, with both given, the database."""
    if signatures is None:
        signatures = list(printout.signatures.all())
    if names is None:
        names = printouts.leaders(printout.school_id)
    by_course = {s.course_id: s for s in signatures if s.step == Step.COURSE}
    steps = {s.step: s for s in signatures if s.step != Step.COURSE}
    courses = [
        CourseStep(
            c["course_id"],
            c["subject"],
            c["group"],
            c["teachers"],
            c["teacher_ids"],
            by_course.get(c["course_id"]),
        )
        for c in printout.courses
    ]
    state = State(
        printout, courses, steps.get(Step.CLASS_TEACHER), steps.get(Step.DEPUTY), steps.get(Step.DIRECTOR)
    )
    if printout.is_frozen:
        state.stage = "frozen"
    elif state.director:
        state.stage = "freezing"
    elif printout.render_status != Render.DONE:
        state.stage = "rendering"
    elif not state.courses_done:
        state.stage = "courses"
        for c in courses:
            if not c.signature:
                state.waiting += [n for n in c.teachers if n not in state.waiting] or [
                    _("no teacher assigned")
                ]
    elif not state.class_teacher:
        state.stage = "class_teacher"
        name = printout.class_teacher.short_name if printout.class_teacher else ""
        state.waiting = [name or _("no class teacher assigned")]
    elif not state.deputy:
        state.stage = "deputy"
        state.waiting = [names.get("deputy") or _("deputy director")]
    else:
        state.stage = "director"
        state.waiting = [names.get("director") or _("director")]
    return state


# Generating


def _enqueue(printout_id: int, *, at_once: bool = False) -> None:
    """Publish after the commit, or `at_once` (accounts/jobs.py); a render the broker did not get stays queued,
    marked so the page can say so, and `retry_unsent` sends it again."""
    from .tasks import render_printout_task

    queued = Printout.objects.filter(pk=printout_id, render_status=Render.QUEUED)
    send = jobs.publish if at_once else jobs.publish_after_commit
    send(render_printout_task, printout_id, then=jobs.mark_unsent(queued, "render_error", Printout.UNSENT))


def _sign_parts(data: dict) -> dict:
    teacher_ids = sorted({pk for c in data["courses"] for pk in c["teacher_ids"]})
    courses = [
        {k: c[k] for k in ("course_id", "subject", "group", "teachers", "teacher_ids")}
        for c in data["courses"]
    ]
    return {"courses": courses, "teacher_ids": teacher_ids, "class_teacher_id": data.get("class_teacher_id")}


@transaction.atomic
def generate(*, actor, school_class, period=None) -> Printout:
    """Start the printout of a class's period journal (the year summary sheet when `period` is None): the
    worker then reads the journal into its snapshot and renders the draft. A printout still being signed is
    started again (its signatures are cleared: they were given to the old content); a frozen one stays as it
    is and a new version is started."""
    if not rules.generate_printouts(actor):
        raise PermissionDenied("reports.printout_rules.generate_printouts")
    if school_class.school_id != actor.school.pk or (
        period is not None and period.school_id != actor.school.pk
    ):
        raise ValidationError(_("That class or period is not of this school."))
    if period is not None and school_class.grade not in period.scheme.grades:
        raise ValidationError(
            _("%(period)s is not a reporting period of grade %(grade)d.")
            % {"period": period.name, "grade": school_class.grade}
        )
    kind = Printout.Kind.PERIOD if period is not None else Printout.Kind.YEAR
    versions = Printout.objects.select_for_update().filter(
        school_class=school_class, period=period, kind=kind
    )
    latest = versions.order_by("-version").first()
    # The snapshot itself is taken by the worker (`render`): generating all classes of a period must
    # not keep the web request busy. Until then the printout has no pages and cannot be signed.
    data = {"language": translation.get_language()}
    parts = {"courses": [], "teacher_ids": [], "class_teacher_id": school_class.class_teacher_id}
    now = timezone.now()
    if (
        latest is not None
        and not latest.is_frozen
        and not latest.signatures.filter(step=Step.DIRECTOR).exists()
    ):
        cleared = latest.signatures.count()
        latest.signatures.all().delete()
        old_draft = latest.draft.name
        latest.data, latest.generated_at, latest.generated_by = data, now, actor.user
        latest.courses, latest.teacher_ids = parts["courses"], parts["teacher_ids"]
        latest.class_teacher_id = parts["class_teacher_id"]
        latest.render_status, latest.render_error, latest.draft = Render.QUEUED, "", ""
        latest.save()
        printout = latest
        audit.record(actor, "reports.printout_regenerated", printout, data={"signatures_cleared": cleared})
        if old_draft:
            storage = Printout._meta.get_field("draft").storage
            transaction.on_commit(lambda: storage.delete(old_draft))
    else:
        if latest is not None and not latest.is_frozen:
            raise ValidationError(
                _("The director has signed this printout: it is being frozen, wait a moment.")
            )
        version = (versions.aggregate(v=Max("version"))["v"] or 0) + 1
        printout = Printout.objects.create(
            school=actor.school,
            year_id=school_class.year_id,
            school_class=school_class,
            period=period,
            kind=kind,
            version=version,
            data=data,
            generated_at=now,
            generated_by=actor.user,
            courses=parts["courses"],
            teacher_ids=parts["teacher_ids"],
            class_teacher_id=parts["class_teacher_id"],
        )
        audit.record(actor, "reports.printout_generated", printout, data={"version": version})
    _enqueue(printout.pk)
    return printout


def generate_many(*, actor, classes, period=None) -> list[Printout]:
    """`generate` for each class (each in its own transaction, so one refusal does not undo the others)."""
    out = []
    for school_class in classes:
        try:
            out.append(generate(actor=actor, school_class=school_class, period=period))
        except ValidationError:
            continue
    return out


# Signing


def _refuse(message: str):
    raise ValidationError(message, code="out_of_order")


@transaction.atomic
def sign(*, actor, printout: Printout, step: str, course_id: int | None = None) -> PrintoutSignature:
    """Record one sign-off step by `actor`; refused out of order, twice, or by someone else (clear message)."""
    printout = (
        Printout.objects.select_for_update(of=("self",)).select_related("class_teacher").get(pk=printout.pk)
    )
    state = state_of(printout)
    allowed = {
        Step.COURSE: lambda: rules.confirm_course(actor, printout, course_id),
        Step.CLASS_TEACHER: lambda: rules.certify_title(actor, printout),
        Step.DEPUTY: lambda: rules.sign_as_deputy(actor, printout),
        Step.DIRECTOR: lambda: rules.sign_as_director(actor, printout),
    }
    if step not in allowed:
        _refuse(_("Unknown sign-off step."))
    if printout.is_frozen or state.director:
        _refuse(_("The printout is already signed by the director: nothing more to sign."))
    if printout.render_status != Render.DONE:
        _refuse(_("The printout is still being prepared: sign once its file is ready."))
    if step == Step.COURSE:
        page = next((c for c in state.courses if c.course_id == course_id), None)
        if page is None:
            _refuse(_("This printout has no pages of that course."))
        if not allowed[step]():
            _refuse(_("Only the teacher of %(subject)s confirms its pages.") % {"subject": page.subject})
        if page.signature:
            _refuse(_("The pages of %(subject)s are already confirmed.") % {"subject": page.subject})
    else:
        if not allowed[step]():
            who = {
                Step.CLASS_TEACHER: _("Only the class teacher of %(cls)s certifies the title page."),
                Step.DEPUTY: _("Only a deputy director signs at this step."),
                Step.DIRECTOR: _("Only the director signs at this step."),
            }[step]
            _refuse(who % {"cls": printout.data.get("class", "")})
        if getattr(state, step):
            _refuse(_("This step is already signed."))
        if step == Step.CLASS_TEACHER and not state.courses_done:
            _refuse(
                _(
                    "The class teacher certifies the title page after every subject teacher: %(left)d pages are not confirmed yet."
                )
                % {"left": state.total - state.confirmed}
            )
        if step == Step.DEPUTY and not state.class_teacher:
            _refuse(_("The deputy signs after the class teacher has certified the title page."))
        if step == Step.DIRECTOR and not state.deputy:
            _refuse(_("The director signs after the deputy director."))
    signature = PrintoutSignature.objects.create(
        school=printout.school,
        printout=printout,
        step=step,
        course_id=course_id if step == Step.COURSE else None,
        person=actor.person,
        name=actor.person.short_name,
        user=actor.user,
    )
    audit.record(
        actor,
        f"reports.printout_signed_{step}",
        printout,
        data={"course": course_id, "signature": signature.pk},
    )
    if step == Step.DIRECTOR:
        printout.render_status, printout.render_error = Render.QUEUED, ""
        printout.save(update_fields=["render_status", "render_error"])
        _enqueue(printout.pk)
    return signature


# Rendering (run by the task)


def render(printout_id: int) -> Printout | None:
    """Render what the printout needs: its draft, or once the director has signed, the final, frozen with its
    SHA-256. A frozen printout is left as it is (a broker may deliver twice). Runs outside a transaction."""
    from . import printout_pdf

    printout = (
        Printout.objects.select_related(
            "school", "class_teacher", "school_class__school", "school_class__year"
        )
        .filter(pk=printout_id)
        .first()
    )
    if printout is None or printout.is_frozen:
        return printout
    Printout.objects.filter(pk=printout.pk).update(render_status=Render.RUNNING)
    signatures = list(printout.signatures.all())
    final = any(s.step == Step.DIRECTOR for s in signatures)
    language = printout.data.get("language") or "ru"
    try:
        with translation.override(language):
            if not final and "kind" not in printout.data:
                _take_snapshot(printout, language)
            content, pages = printout_pdf.render(printout, signatures, final=final)
    except Exception as exc:
        log.exception("printout %s failed to render", printout.pk)
        Printout.objects.filter(pk=printout.pk).update(
            render_status=Render.FAILED,
            render_error=_("The file could not be built: %(error)s") % {"error": type(exc).__name__},
        )
        printout.refresh_from_db()
        return printout
    field_name = "final" if final else "draft"
    field = getattr(printout, field_name)
    replaced = field.name  # a draft rendered again (a task delivered twice): its earlier file goes
    field.save(f"{printout.pk}.pdf", ContentFile(content), save=False)
    changes = {field_name: field.name, "render_status": Render.DONE, "render_error": "", "pages": pages}
    if final:
        changes.update(sha256=hashlib.sha256(content).hexdigest(), frozen_at=timezone.now())
    with transaction.atomic():
        if not Printout.objects.filter(pk=printout.pk, frozen_at__isnull=True).update(**changes):
            field.storage.delete(field.name)  # another delivery froze it first: keep that file
        elif not final and replaced and replaced != field.name:
            transaction.on_commit(lambda: field.storage.delete(replaced))
        elif final:
            audit.record(
                None,
                "reports.printout_frozen",
                printout,
                school=printout.school,
                data={"sha256": changes["sha256"], "pages": pages},
            )
    printout.refresh_from_db()
    return printout


def _take_snapshot(printout: Printout, language: str) -> None:
    """Read the journal into the printout's snapshot; `generated_at` is when it was read (the "changed
    after" flag compares with it)."""
    school_class = printout.school_class
    period = (
        ReportingPeriod.objects.select_related("scheme").get(pk=printout.period_id)
        if printout.period_id
        else None
    )
    now = timezone.now()
    data = printouts.snapshot(school_class, period)
    data["language"] = language
    parts = _sign_parts(data)
    printout.data, printout.generated_at = data, now
    printout.courses, printout.teacher_ids = parts["courses"], parts["teacher_ids"]
    printout.class_teacher_id = parts["class_teacher_id"]
    Printout.objects.filter(pk=printout.pk).update(
        data=data,
        generated_at=now,
        courses=parts["courses"],
        teacher_ids=parts["teacher_ids"],
        class_teacher_id=parts["class_teacher_id"],
    )


def retry_unsent() -> int:
    """Send again the renders whose task never reached the broker; returns how many were tried."""
    ids = list(
        Printout.objects.filter(render_status=Render.QUEUED, render_error=Printout.UNSENT).values_list(
            "pk", flat=True
        )[:200]
    )
    for pk in ids:
        _enqueue(pk, at_once=True)
    return len(ids)


# Verification


def verify_bytes(printout: Printout, content: bytes) -> bool:
    """Whether `content` is exactly the stored final copy (same SHA-256)."""
    return printout.is_frozen and hashlib.sha256(content).hexdigest() == printout.sha256


def verify_hash(printout: Printout, digest: str) -> bool:
    digest = "".join((digest or "").split()).lower()
    return printout.is_frozen and len(digest) == 64 and digest == printout.sha256
