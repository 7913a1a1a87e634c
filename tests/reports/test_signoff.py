"""The sign-off of printouts in the regulation's order (seed 002 instruction §4, R-R-5): who signs what, when,
the frozen copy with its SHA-256, the public verification page, and "changed after sign-off"."""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from journal.marklog import services as marklog
from journal.models import Homework, LessonTopic
from reports import printout_selectors, signoff
from reports.models import Printout, PrintoutSignature
from tests.browser_fixtures import ARTIFACTS
from tests.journal import actor

from .printout_fixture import build_journal, generate, sign_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def printout(world):
    period, _ = build_journal(world)
    return generate(world, period)


def sign(person, printout, step, course=None):
    return signoff.sign(
        actor=actor(person), printout=printout, step=step, course_id=course.pk if course else None
    )


def refused(person, printout, step, course=None) -> str:
    with pytest.raises(ValidationError) as caught:
        sign(person, printout, step, course)
    return " ".join(caught.value.messages)


# Order and persons


def test_a_teacher_confirms_only_the_pages_of_their_own_course(world, printout, english):
    assert "Only the teacher of Русский язык" in refused(world.teacher, printout, "course", world.russian_5a)
    assert "Only the teacher" in refused(world.other_teacher, printout, "course", world.math_5a)
    assert "no pages of that course" in refused(world.other_teacher, printout, "course", world.math_6b)
    signature = sign(world.teacher, printout, "course", world.math_5a)
    assert (signature.person, signature.name, signature.course) == (
        world.teacher,
        world.teacher.short_name,
        world.math_5a,
    )
    assert "already confirmed" in refused(world.teacher, printout, "course", world.math_5a)
    event = AuditEvent.objects.get(action="reports.printout_signed_course")
    assert (event.actor, event.object_id, event.data["course"]) == (
        world.teacher.user,
        str(printout.pk),
        world.math_5a.pk,
    )


def test_the_class_teacher_certifies_only_after_every_teacher_and_only_their_class(world, printout, english):
    sign(world.teacher, printout, "course", world.math_5a)
    assert "1 pages are not confirmed" in refused(world.class_teacher, printout, "class_teacher")
    sign(world.class_teacher, printout, "course", world.russian_5a)
    assert "Only the class teacher of 5А" in refused(world.other_teacher, printout, "class_teacher")
    assert "Only the class teacher" in refused(world.deputy, printout, "class_teacher")
    sign(world.class_teacher, printout, "class_teacher")
    assert "already signed" in refused(world.class_teacher, printout, "class_teacher")


def test_the_deputy_signs_after_the_class_teacher_and_the_director_after_the_deputy(world, printout, english):
    assert "after the class teacher" in refused(world.deputy, printout, "deputy")
    assert "after the deputy" in refused(world.director, printout, "director")
    sign_all(world, printout, upto="class_teacher")
    assert "after the deputy" in refused(world.director, printout, "director")
    assert "Only a deputy" in refused(world.director, printout, "deputy")
    assert "Only a deputy" in refused(world.admin, printout, "deputy")
    sign(world.deputy, printout, "deputy")
    assert "Only the director" in refused(world.deputy, printout, "director")
    assert not Printout.objects.get(pk=printout.pk).is_frozen
    sign(world.director, printout, "director")
    assert "already signed by the director" in refused(world.teacher, printout, "course", world.math_5a)
    steps = list(PrintoutSignature.objects.filter(printout=printout).values_list("step", flat=True))
    assert steps == ["course", "course", "class_teacher", "deputy", "director"]


def test_nothing_is_signed_while_the_draft_is_being_prepared(world, english):
    period, _ = build_journal(world)
    printout = signoff.generate(actor=actor(world.deputy), school_class=world.class_5a, period=period)
    assert "still being prepared" in refused(world.teacher, printout, "course", world.math_5a)
    assert not PrintoutSignature.objects.exists()


def test_only_the_deputy_and_the_admin_generate(world):
    period, _ = build_journal(world)
    for person in (world.director, world.teacher, world.class_teacher):
        with pytest.raises(PermissionDenied):
            signoff.generate(actor=actor(person), school_class=world.class_5a, period=period)
    assert signoff.generate(actor=actor(world.admin), school_class=world.class_5a, period=period).version == 1
    assert AuditEvent.objects.filter(action="reports.printout_generated").count() == 1


def test_generating_again_clears_the_confirmations_and_a_frozen_copy_gets_a_new_version(world, printout):
    sign(world.teacher, printout, "course", world.math_5a)
    again = generate(world, printout.period)
    assert again.pk == printout.pk and again.version == 1 and not again.signatures.exists()
    frozen = sign_all(world, again)
    assert frozen.is_frozen
    newer = generate(world, printout.period)
    assert newer.pk != frozen.pk and newer.version == 2 and newer.code != frozen.code
    assert Printout.objects.get(pk=frozen.pk).sha256 == frozen.sha256  # the signed copy stays as it was


# The frozen copy


def test_the_directors_signature_freezes_the_pdf_with_its_sha256(world, printout):
    frozen = sign_all(world, printout)
    content = frozen.final.read()
    assert frozen.is_frozen and frozen.render_status == "done" and frozen.frozen_at is not None
    assert frozen.sha256 == hashlib.sha256(content).hexdigest()
    assert frozen.final.name.startswith(f"printouts/{world.school.pk}/") and frozen.pages >= 4
    assert content != frozen.draft.read()  # the final carries the signatures
    event = AuditEvent.objects.get(action="reports.printout_frozen")
    assert event.data == {"sha256": frozen.sha256, "pages": frozen.pages}
    # A second delivery of the task changes nothing.
    from reports.tasks import render_printout_task

    assert render_printout_task(frozen.pk) == "frozen"
    assert Printout.objects.get(pk=frozen.pk).sha256 == frozen.sha256


def test_the_final_names_every_signer(world, printout):
    from tests.reports import pdf_text

    frozen = sign_all(world, printout)
    content = frozen.final.read()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "printout-final.pdf").write_bytes(content)  # to look at (test-artifacts/ is not committed)
    text = pdf_text(content)
    for person in (world.teacher, world.class_teacher, world.deputy, world.director):
        assert person.short_name in text
    assert frozen.signatures.get(step="director").signed_at.strftime("%d.%m.%Y") in text


# The public verification page


def test_the_verification_page_is_public_and_tells_a_matching_copy_from_a_tampered_one(
    world, printout, client
):
    frozen = sign_all(world, printout)
    url = reverse("reports:verify", kwargs={"code": frozen.code})
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-frozen="1"' in html
    assert frozen.sha256 in html and f'data-testid="verify-pages">{frozen.pages}<' in html
    assert "5А" in html and "1 четверть" in html
    # No personal data: no student, no mark.
    assert world.student.last_name not in html and world.teacher.last_name not in html
    content = frozen.final.read()
    same = client.post(url, {"file": SimpleUploadedFile("copy.pdf", content, "application/pdf")})
    assert 'data-matches="1"' in same.content.decode()
    tampered = content[:1000] + bytes([content[1000] ^ 1]) + content[1001:]  # one bit changed
    assert tampered != content
    other = client.post(url, {"file": SimpleUploadedFile("copy.pdf", tampered, "application/pdf")})
    assert 'data-matches="0"' in other.content.decode()
    typed = client.post(url, {"sha256": frozen.sha256.upper()[:32] + " " + frozen.sha256[32:]})
    assert 'data-matches="1"' in typed.content.decode()
    bad = client.post(url, {"sha256": "xyz"})
    assert bad.status_code == 200 and 'id="id_sha256_error"' in bad.content.decode()
    empty = client.post(url, {})
    assert empty.status_code == 200 and "data-matches" not in empty.content.decode()


def test_the_code_is_forgiving_to_type_and_unknown_codes_answer_404(world, printout, client):
    frozen = sign_all(world, printout)
    lookup = reverse("reports:verify_lookup")
    pretty = f"{frozen.code[:4].lower()}-{frozen.code[4:8]} {frozen.code[8:]}"
    response = client.get(lookup, {"code": pretty})
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:verify", kwargs={"code": frozen.code}
    )
    assert client.get(lookup, {"code": "nope"}).status_code == 200
    assert client.get(reverse("reports:verify", kwargs={"code": "ABCDEFGHJK"})).status_code == 404


def test_an_unsigned_printouts_code_says_it_is_a_draft(world, printout, client):
    html = client.get(reverse("reports:verify", kwargs={"code": printout.code})).content.decode()
    assert (
        'data-frozen="0"' in html
        and 'data-testid="verify-unsigned"' in html
        and 'data-testid="verify-form"' not in html
    )


# Changed after sign-off


def changed(printout) -> bool:
    return printout.pk in printout_selectors.changed_after([printout.pk])


def test_a_later_topic_homework_or_attendance_flags_the_printout(world, printout):
    frozen = sign_all(world, printout)
    assert not changed(frozen)
    lesson = frozen_lesson(world)
    later = frozen.generated_at + datetime.timedelta(minutes=5)
    LessonTopic.objects.filter(lesson=lesson).update(updated_at=later)
    assert changed(frozen)
    LessonTopic.objects.filter(lesson=lesson).update(updated_at=frozen.generated_at)
    Homework.objects.filter(lesson=lesson).update(updated_at=later)
    assert changed(frozen)
    Homework.objects.filter(lesson=lesson).update(updated_at=frozen.generated_at)
    assert not changed(frozen)
    marklog.append(
        school=world.school,
        actor=None,
        ip=None,
        kind="attendance",
        lesson=lesson,
        student=world.student.student,
        old="",
        new="Н",
    )
    assert changed(frozen)


def test_a_final_mark_changed_later_flags_the_printout_and_other_classes_do_not(world, printout):
    frozen = sign_all(world, printout)
    marklog.append(
        school=world.school,
        actor=None,
        ip=None,
        kind="final_period",
        student=world.other_student.student,
        old="",
        new="5",
        course=world.math_6b,
        period=frozen.period,
    )
    assert not changed(frozen)  # 6Б's final
    marklog.append(
        school=world.school,
        actor=None,
        ip=None,
        kind="final_period",
        student=world.student.student,
        old="4",
        new="5",
        course=world.math_5a,
        period=frozen.period,
    )
    assert changed(frozen)


def test_the_list_page_shows_the_flag_to_the_admin(world, printout, client):
    frozen = sign_all(world, printout)
    client.force_login(world.admin.user)
    url = reverse("reports:printouts") + f"?period={frozen.period_id}"
    assert 'data-testid="po-changed"' not in client.get(url).content.decode()
    marklog.append(
        school=world.school,
        actor=None,
        ip=None,
        kind="marks",
        lesson=frozen_lesson(world),
        student=world.student.student,
        old="4",
        new="5",
    )
    html = client.get(url).content.decode()
    assert 'data-changed="1"' in html and 'data-testid="po-changed"' in html


def frozen_lesson(world):
    from schedule.models import Lesson

    return Lesson.objects.filter(course=world.math_5a).order_by("date").first()


# Who waits for whom


def test_the_waiting_lists_follow_the_order(world, printout):
    def waiting(person):
        return [
            (w.printout.pk, w.what, [c.course_id for c in w.courses])
            for w in printout_selectors.waiting_for(actor(person))
        ]

    assert waiting(world.teacher) == [(printout.pk, "course", [world.math_5a.pk])]
    assert waiting(world.class_teacher) == [(printout.pk, "course", [world.russian_5a.pk])]
    assert waiting(world.deputy) == waiting(world.director) == waiting(world.other_teacher) == []
    sign(world.teacher, printout, "course", world.math_5a)
    sign(world.class_teacher, printout, "course", world.russian_5a)
    assert waiting(world.teacher) == []
    assert waiting(world.class_teacher) == [(printout.pk, "class_teacher", [])]
    sign(world.class_teacher, printout, "class_teacher")
    assert waiting(world.deputy) == [(printout.pk, "deputy", [])]
    sign(world.deputy, printout, "deputy")
    assert waiting(world.director) == [(printout.pk, "director", [])] and waiting(world.deputy) == []
    state = signoff.state_of(Printout.objects.get(pk=printout.pk))
    assert state.stage == "director" and state.waiting == [world.director.short_name]


def test_the_year_summary_sheet_is_signed_and_frozen_the_same_way(world, english):
    from journal.models import FinalMark

    FinalMark.objects.create(
        school=world.school, course=world.math_5a, student=world.student.student, kind="year", value=5
    )
    printout = generate(world, None)
    assert printout.kind == "year" and printout.period is None
    assert [c["course_id"] for c in printout.courses] == [world.math_5a.pk, world.russian_5a.pk]
    assert "after the deputy" in refused(world.director, printout, "director")
    frozen = sign_all(world, printout)
    assert frozen.is_frozen and frozen.sha256 == hashlib.sha256(frozen.final.read()).hexdigest()
    assert not changed(frozen)
    marklog.append(
        school=world.school,
        actor=None,
        ip=None,
        kind="final_year",
        student=world.student.student,
        old="5",
        new="4",
        course=world.math_5a,
    )
    assert changed(frozen)
