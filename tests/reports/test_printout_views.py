"""The printout pages (R-R-5): the period's list with where each class stands, generating through Celery (a
real worker, and a broker that is unreachable), signing through the page, query counts that do not grow."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.urls import reverse

from ejournal.celery import app
from reports import signoff
from reports.models import Printout
from reports.tasks import render_printout_task, resend_printouts_task
from tests import factories as f
from tests.journal import actor

from .printout_fixture import build_journal, first_quarter, generate, sign_all

pytestmark = pytest.mark.django_db

LIST = reverse("reports:printouts")


def rows_of(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'<tr data-class="(\d+)" data-stage="(\w+)"', html))


def test_the_list_shows_every_class_of_the_period_and_who_holds_it_up(world, client):
    period, _ = build_journal(world)
    printout = generate(world, period)
    signoff.sign(actor=actor(world.teacher), printout=printout, step="course", course_id=world.math_5a.pk)
    client.force_login(world.deputy.user)
    html = client.get(LIST, {"period": period.pk}).content.decode()
    assert rows_of(html) == {str(world.class_5a.pk): "courses", str(world.class_6b.pk): "none"}
    row = html[html.index(f'data-class="{world.class_5a.pk}"') :].split("</tr>")[0]
    assert world.class_teacher.short_name in row and "1 / 2" in row  # Russian still waits for Классова
    assert "hx-trigger" not in html  # nothing is being rendered


def test_the_default_period_is_the_last_ended_one_and_a_bad_one_says_so(world, client):
    client.force_login(world.deputy.user)
    html = client.get(LIST).content.decode()
    # Today (the test machine's date) may be before the world's year: then the first period is shown.
    assert 'data-testid="po-table"' in html
    bad = client.get(LIST, {"period": "abc"}).content.decode()
    assert 'id="po-period_error"' in bad


def test_generating_from_the_page_queues_and_the_table_polls_until_ready(
    world, client, django_capture_on_commit_callbacks, fresh_broker
):
    period, _ = build_journal(world)
    client.force_login(world.deputy.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:printouts_generate"), {"period": period.pk, "all": "1"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?period={period.pk}"
    made = list(Printout.objects.order_by("school_class__letter"))
    sent = fresh_broker.take()  # no worker here: the tasks wait in the queue
    assert sorted(sent) == sorted((render_printout_task.name, [p.pk]) for p in made) and len(made) == 2
    table = client.get(LIST, {"period": period.pk, "partial": "1"}).content.decode()
    assert table.startswith('<section id="po-table"') and 'hx-trigger="every 2s"' in table
    assert set(rows_of(table).values()) == {"rendering"}
    for _task, (pk,) in sent:
        render_printout_task(pk)  # as the worker would
    table = client.get(LIST, {"period": period.pk, "partial": "1"}).content.decode()
    assert "hx-trigger" not in table and set(rows_of(table).values()) == {"courses"}


def test_signing_through_the_page_and_a_refusal_next_to_the_steps(world, client):
    period, _ = build_journal(world)
    printout = generate(world, period)
    url = reverse("reports:printout_sign", kwargs={"pk": printout.pk})
    client.force_login(world.teacher.user)
    page = client.get(reverse("reports:printout", kwargs={"pk": printout.pk})).content.decode()
    assert f'data-testid="po-confirm-{world.math_5a.pk}"' in page
    assert f'data-testid="po-confirm-{world.russian_5a.pk}"' not in page
    assert client.post(url, {"step": "course", "course": world.math_5a.pk}).status_code == 302
    client.force_login(world.director.user)
    refused = client.post(url, {"step": "director"})
    assert refused.status_code == 400 and 'data-testid="po-error"' in refused.content.decode()
    assert not printout.signatures.filter(step="director").exists()


def test_the_files_the_draft_then_the_signed_copy(world, client):
    period, _ = build_journal(world)
    printout = generate(world, period)
    client.force_login(world.class_teacher.user)
    pdf = client.get(reverse("reports:printout_pdf", kwargs={"pk": printout.pk}))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content) == printout.draft.read()
    frozen = sign_all(world, printout)
    pdf = client.get(reverse("reports:printout_pdf", kwargs={"pk": printout.pk}))
    assert b"".join(pdf.streaming_content) == frozen.final.read()
    xlsx = client.get(reverse("reports:printout_xlsx", kwargs={"pk": printout.pk}))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


# Query counts


def more_classes(world, n):
    for i in range(n):
        school_class = f.make_class(world.year, 5, f"В{i}", class_teacher=world.other_teacher)
        course = f.make_course(f.whole_group(school_class), world.math_5a.subject, world.teacher)
        for k in range(3):
            person = f.make_person(world.school, roles=["student"], login=False, last_name=f"Новиков{i}{k}")
            f.enroll(person, school_class)
        f.make_lesson(course, first_quarter(world).starts, 3 + i)


def test_the_list_page_takes_a_fixed_number_of_queries(world, client, django_assert_num_queries):
    period, _ = build_journal(world)
    sign_all(world, generate(world, period), upto="deputy")
    client.force_login(world.deputy.user)
    client.get(LIST, {"period": period.pk})
    with django_assert_num_queries(
        8
    ):  # session+login, year, periods, classes, printouts, signatures, leaders, changed
        client.get(LIST, {"period": period.pk})
    more_classes(world, 4)
    for school_class in world.year.classes.filter(letter__startswith="В"):
        generate(world, period, school_class=school_class)
    with django_assert_num_queries(
        8
    ):  # session+login, year, periods, classes, printouts, signatures, leaders, changed
        html = client.get(LIST, {"period": period.pk}).content.decode()
    assert len(rows_of(html)) == 6


def test_the_teachers_waiting_card_takes_a_fixed_number_of_queries(world, django_assert_num_queries):
    from reports.printout_selectors import waiting_for

    period, _ = build_journal(world)
    generate(world, period)
    who = actor(world.teacher)
    with django_assert_num_queries(3):
        assert len(waiting_for(who)) == 1
    more_classes(world, 3)
    for school_class in world.year.classes.filter(letter__startswith="В"):
        generate(world, period, school_class=school_class)
    with django_assert_num_queries(3):
        assert len(waiting_for(who)) == 4


# A broker that is unreachable, and back; a real worker


@pytest.mark.django_db(transaction=True)
def test_with_celery_broker_unreachable_the_printouts_stay_queued_and_the_beat_task_cannot_resend_them(
    world, client, celery_broker_unreachable
):
    with transaction.atomic():
        period, _ = build_journal(world)
    client.force_login(world.deputy.user)
    response = client.post(
        reverse("reports:printouts_generate"), {"period": period.pk, "class": world.class_5a.pk}, follow=True
    )
    assert response.status_code == 200
    printout = Printout.objects.get()
    assert printout.unsent and printout.render_status == "queued"
    html = response.content.decode()
    assert 'class="msg-warning"' in html and 'hx-trigger="every 2s"' in html
    assert resend_printouts_task() == 1  # tried, and still unreachable: stays unsent
    printout.refresh_from_db()
    assert printout.unsent


def test_the_beat_task_resends_unsent_printouts_to_the_broker(world, fresh_broker):
    period, _ = build_journal(world)
    printout = signoff.generate(actor=actor(world.deputy), school_class=world.class_5a, period=period)
    Printout.objects.filter(pk=printout.pk).update(render_error=Printout.UNSENT)
    assert resend_printouts_task() == 1
    printout.refresh_from_db()
    assert not printout.unsent and printout.render_status == "queued"
    assert fresh_broker.take() == [(render_printout_task.name, [printout.pk])]


@pytest.mark.django_db(transaction=True)
def test_printouts_are_rendered_and_frozen_by_a_real_worker_through_redis(world, fresh_broker):
    with transaction.atomic():
        period, _ = build_journal(world)

    def wait(printout, until):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            printout.refresh_from_db()
            if until(printout):
                return printout
            time.sleep(0.2)
        raise AssertionError(f"printout {printout.pk}: {printout.render_status} {printout.render_error}")

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=30):
        made = signoff.generate_many(
            actor=actor(world.deputy), classes=[world.class_5a, world.class_6b], period=period
        )
        for printout in made:
            wait(printout, lambda p: p.render_status == "done")
        printout = made[0]
        assert printout.draft and printout.pages >= 4
        for course, person in ((world.math_5a, world.teacher), (world.russian_5a, world.class_teacher)):
            signoff.sign(actor=actor(person), printout=printout, step="course", course_id=course.pk)
        for step, person in (
            ("class_teacher", world.class_teacher),
            ("deputy", world.deputy),
            ("director", world.director),
        ):
            signoff.sign(actor=actor(person), printout=printout, step=step)
        wait(printout, lambda p: p.is_frozen)
    import hashlib

    assert printout.sha256 == hashlib.sha256(printout.final.read()).hexdigest()


def test_the_printout_page_takes_a_fixed_number_of_queries(world, client, django_assert_num_queries):
    period, _ = build_journal(world)
    printout = sign_all(world, generate(world, period), upto="class_teacher")
    url = reverse("reports:printout", kwargs={"pk": printout.pk})
    client.force_login(world.deputy.user)
    client.get(url)
    with django_assert_num_queries(5):  # session with the login, printout, signatures, leaders, changed
        assert 'data-testid="po-sign-deputy"' in client.get(url).content.decode()
    more_classes(world, 2)
    for school_class in world.year.classes.filter(letter__startswith="В"):
        generate(world, period, school_class=school_class)
    with django_assert_num_queries(5):
        client.get(url)


def test_the_home_card_lists_what_waits_for_the_teacher(world, rf):
    from django.template.loader import render_to_string

    from reports.printout_selectors import waiting_for

    period, _ = build_journal(world)
    printout = generate(world, period)
    html = render_to_string(
        "reports/printouts/_home_waiting.html", {"printouts_waiting": waiting_for(actor(world.teacher))}
    )
    assert 'data-testid="printouts-waiting"' in html and f'data-printout="{printout.pk}"' in html
    assert reverse("reports:printout", kwargs={"pk": printout.pk}) in html and "Математика" in html
    empty = render_to_string(
        "reports/printouts/_home_waiting.html", {"printouts_waiting": waiting_for(actor(world.other_teacher))}
    )
    assert empty.strip() == ""


def test_a_printout_waiting_for_its_worker_shows_its_progress(world, client):
    period, _ = build_journal(world)
    printout = signoff.generate(actor=actor(world.deputy), school_class=world.class_5a, period=period)
    client.force_login(world.deputy.user)
    page = client.get(reverse("reports:printout", kwargs={"pk": printout.pk}))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-stage="rendering"' in html and 'hx-trigger="every 2s"' in html
    for name in ("reports:printout_pdf", "reports:printout_xlsx"):
        assert client.get(reverse(name, kwargs={"pk": printout.pk})).status_code == 404
    render_printout_task(printout.pk)
    html = client.get(reverse("reports:printout", kwargs={"pk": printout.pk})).content.decode()
    assert 'data-stage="courses"' in html and "hx-trigger" not in html
