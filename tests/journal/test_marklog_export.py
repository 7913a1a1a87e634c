"""The mark log's XLSX exports (R-J-11): requested on the page, built by a Celery task, downloaded later."""

import datetime
import re
import time

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from ejournal.celery import app
from journal.marklog import exports
from journal.marklog import report as marklog_report
from journal.models import MarkLogEntry, MarkLogExport
from journal.tasks import build_marklog_export_task, tidy_marklog_exports_task

from . import actor
from .test_marklog_report import Log, bulk, seqs

pytestmark = pytest.mark.django_db

URL = reverse("journal:marklog")
EXPORTS = reverse("journal:marklog_exports")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def log(world, monkeypatch):
    return Log(world, monkeypatch)


def file_url(export) -> str:
    return reverse("journal:marklog_export_file", kwargs={"pk": export.pk})


def built(person, **filters) -> MarkLogExport:
    """An export asked for by `person` and built in-process, as a worker would."""
    export = exports.request_export(actor=actor(person), filters={k: str(v) for k, v in filters.items()})
    assert export.status == MarkLogExport.Status.QUEUED
    assert build_marklog_export_task(export.pk) == "done"  # the task's own function, run here
    export.refresh_from_db()
    return export


def sheet_of(export):
    with export.file.open("rb") as fh:
        return openpyxl.load_workbook(fh).active


def read_back(response):
    assert response.status_code == 200
    assert response["Content-Type"] == marklog_report.CONTENT_TYPE
    import io

    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def as_read_back(values: list) -> list:
    """What a cell value becomes in Excel: empty text is no value, a date is a midnight datetime."""
    out = []
    for v in values:
        if v == "":
            v = None
        elif isinstance(v, datetime.date) and not isinstance(v, datetime.datetime):
            v = datetime.datetime.combine(v, datetime.time())
        out.append(v)
    return out


# The file


def test_the_export_holds_the_same_rows_as_the_page(world, log, media, client):
    export = built(world.admin, school_class=world.class_5a.pk)
    assert (export.status, export.rows_total, export.rows_done, export.percent) == ("done", 5, 5, 100)
    assert export.file.name.startswith(f"exports/{world.school.pk}/") and export.file.name.endswith(".xlsx")
    assert (media / export.file.name).exists() and export.finished_at is not None
    client.force_login(world.admin.user)
    response = client.get(file_url(export))
    assert response["Content-Disposition"] == 'attachment; filename="zhurnal-izmeneniy-2026-2027.xlsx"'
    rows = list(read_back(response).iter_rows(values_only=True))
    assert len(rows[0]) == len(marklog_report.headings())
    assert (
        [r[0] for r in rows[1:]]
        == [6, 5, 3, 2, 1]
        == seqs(client.get(URL, {"school_class": world.class_5a.pk}))
    )
    page = marklog_report.page_rows(
        world.school, MarkLogEntry.objects.filter(school=world.school).exclude(seq=4).order_by("-seq")
    )
    assert [list(r) for r in rows[1:]] == [as_read_back(marklog_report.xlsx_values(r)) for r in page]
    oldest = rows[-1]
    assert oldest[1] == datetime.datetime(2026, 10, 12, 10, 0)  # a real date, in Moscow time
    assert oldest[8] == datetime.datetime(2026, 10, 12, 0, 0)
    assert oldest[2:4] == (world.teacher.short_name, world.teacher.user.username)
    assert (oldest[5], oldest[7], oldest[9], oldest[10]) == ("5А", "Математика", 1, world.student.full_name)
    assert oldest[12:15] == ("∅", "5", None)
    assert rows[1][14] is not None  # the admin's override
    assert rows[2][6] == "5А англ. 1"


def test_the_export_has_a_frozen_filtered_header(world, log, media):
    sheet = sheet_of(built(world.admin))
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:P7"
    assert sheet.column_dimensions["K"].width == 30
    assert sheet["B2"].number_format == "DD.MM.YYYY HH:MM:SS"


def test_the_export_follows_the_filters(world, log, media):
    export = built(world.admin, actor=world.teacher.pk, date_to="2026-10-12")
    assert [r[0] for r in sheet_of(export).iter_rows(min_row=2, values_only=True)] == [2, 1]
    assert export.filters["actor"] == str(world.teacher.pk) and export.filters["year"] == str(world.year.pk)


def test_the_outsider_exports_only_their_own_schools_log(world, other_world, log, media):
    export = built(other_world.admin)
    assert export.school == other_world.school and sheet_of(export).max_row == 1


def test_progress_moves_every_two_thousand_rows(world, log, media, monkeypatch):
    bulk(world, 30)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 10)
    seen = []
    real = exports._counted

    def watch(rows, export_id, total):
        for row in real(rows, export_id, total):
            seen.append(
                MarkLogExport.objects.values_list("status", "rows_done", "rows_total").get(pk=export_id)
            )
            yield row

    monkeypatch.setattr(exports, "_counted", watch)
    export = built(world.admin)
    assert export.rows_total == export.rows_done == 36
    assert seen[0] == ("running", 0, 36)
    assert sorted({done for _s, done, _t in seen}) == [0, 10, 20, 30]


def test_a_finished_export_is_not_built_again(world, log, media):
    export = built(world.admin)
    name = export.file.name
    assert build_marklog_export_task(export.pk) == "done"
    export.refresh_from_db()
    assert export.file.name == name and len(list((media / f"exports/{world.school.pk}").iterdir())) == 1
    assert build_marklog_export_task(10**9) == "missing"


def test_filters_that_went_bad_fail_the_export_with_a_reason(world, log, media):
    export = exports.request_export(actor=actor(world.admin), filters={"actor": str(world.teacher.pk)})
    MarkLogExport.objects.filter(pk=export.pk).update(filters={**export.filters, "kind": "bogus"})
    assert build_marklog_export_task(export.pk) == "failed"
    export.refresh_from_db()
    assert export.error and not export.file and export.finished_at is not None


def test_a_renderer_error_fails_the_export(world, log, media, monkeypatch):
    def broken(rows, out):
        raise RuntimeError("disk full")

    monkeypatch.setattr(marklog_report, "write_workbook", broken)
    export = exports.request_export(actor=actor(world.admin), filters={})
    assert build_marklog_export_task(export.pk) == "failed"
    export.refresh_from_db()
    assert "RuntimeError" in export.error
    assert not (media / "exports").exists() or not any((media / "exports").rglob("*.xlsx"))


# The service


def test_the_request_is_audited_and_enqueued_after_commit(
    world, log, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        export = exports.request_export(actor=actor(world.admin), filters={"kind": "marks", "other": "x"})
    assert len(callbacks) == 1  # the task is sent only once the row is committed
    assert export.filters == {
        "year": str(world.year.pk),
        "actor": "",
        "school_class": "",
        "date_from": "",
        "date_to": "",
        "kind": "marks",
        "student": "",
        "language": "ru",
    }
    event = AuditEvent.objects.get(action="journal.marklog_export_requested")
    assert (event.actor, event.school, event.object_id) == (world.admin.user, world.school, str(export.pk))


def test_a_teacher_cannot_request_an_export(world, log, client):
    with pytest.raises(PermissionDenied):
        exports.request_export(actor=actor(world.teacher), filters={})
    client.force_login(world.teacher.user)
    assert client.post(EXPORTS, {}).status_code == 403
    assert not MarkLogExport.objects.exists()


def test_bad_filters_create_nothing(world, log):
    with pytest.raises(ValidationError) as caught:
        exports.request_export(actor=actor(world.admin), filters={"date_from": "2026-13-01"})
    assert "date_from" in caught.value.message_dict
    assert (
        not MarkLogExport.objects.exists()
        and not AuditEvent.objects.filter(action__contains="export").exists()
    )


def test_at_most_three_exports_wait_at_a_time(world, log, client):
    for _i in range(exports.MAX_ACTIVE):
        exports.request_export(actor=actor(world.admin), filters={})
    client.force_login(world.admin.user)
    response = client.post(EXPORTS, {"kind": "marks"}, follow=True)
    assert response.status_code == 200 and MarkLogExport.objects.count() == exports.MAX_ACTIVE
    assert 'class="msg-error"' in response.content.decode()


# The page


def test_the_button_asks_for_an_export_and_the_box_shows_it(world, log, media, client):
    client.force_login(world.admin.user)
    html = client.get(URL, {"kind": "marks"}).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)" id="marklog-export-form".*?</form>', html, re.S)
    assert form.group(1) == EXPORTS
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(0)))
    assert hidden["kind"] == "marks" and hidden["year"] == str(world.year.pk)
    assert 'form="marklog-export-form"' in html and 'data-testid="marklog-exports"' not in html
    response = client.post(EXPORTS, hidden)
    assert response.status_code == 302
    assert response["Location"].startswith(URL + "?") and "kind=marks" in response["Location"]
    export = MarkLogExport.objects.get()
    assert (export.requested_by, export.school, export.status) == (world.admin.user, world.school, "queued")
    box = client.get(EXPORTS).content.decode()
    assert f'data-export="{export.pk}" data-status="queued"' in box and 'hx-trigger="every 2s"' in box
    MarkLogExport.objects.filter(pk=export.pk).update(status="running", rows_total=8000, rows_done=2000)
    box = client.get(EXPORTS).content.decode()
    assert 'value="25"' in box and "25%" in box and 'hx-trigger="every 2s"' in box
    build_marklog_export_task(export.pk)
    box = client.get(EXPORTS).content.decode()
    assert file_url(export) in box and "hx-trigger" not in box  # nothing is being built: polling stops
    assert file_url(export) in client.get(URL).content.decode()


def test_bad_posted_filters_send_back_to_the_page_with_the_message(world, log, client):
    client.force_login(world.admin.user)
    response = client.post(EXPORTS, {"date_from": "2026-13-01"}, follow=True)
    assert 'id="id_date_from_error"' in response.content.decode()
    assert not MarkLogExport.objects.exists()


def test_the_box_shows_the_users_last_ten_exports_of_this_school(world, other_world, log, client):
    for _i in range(12):
        MarkLogExport.objects.create(school=world.school, requested_by=world.admin.user, status="failed")
    MarkLogExport.objects.create(school=world.school, requested_by=world.director.user, status="failed")
    client.force_login(world.admin.user)
    box = client.get(EXPORTS).content.decode()
    assert box.count("data-export=") == 10
    client.force_login(world.director.user)
    assert client.get(EXPORTS).content.decode().count("data-export=") == 1
    client.force_login(other_world.admin.user)
    assert "data-export=" not in client.get(EXPORTS).content.decode()


# Downloads


def test_who_may_download_a_file(world, other_world, log, media, client):
    export = built(world.admin)
    for person, status in (
        (world.admin, 200),
        (world.director, 200),  # reads the log too
        (world.deputy, 200),
        (world.teacher, 403),
        (world.parent, 403),
        (other_world.admin, 404),  # another school's export is unknown to them
    ):
        client.force_login(person.user)
        assert client.get(file_url(export)).status_code == status, person


def test_an_unfinished_or_missing_file_answers_404(world, log, media, client):
    export = exports.request_export(actor=actor(world.admin), filters={})
    client.force_login(world.admin.user)
    assert client.get(file_url(export)).status_code == 404
    build_marklog_export_task(export.pk)
    export.refresh_from_db()
    (media / export.file.name).unlink()
    assert client.get(file_url(export)).status_code == 404


# A broker that is unreachable, and back


@pytest.mark.django_db(transaction=True)
def test_with_celery_broker_unreachable_the_export_stays_queued(
    world, monkeypatch, media, client, celery_broker_unreachable
):
    """Committed for real, so the task is sent when the service's transaction ends, as in production."""
    with transaction.atomic():
        Log(world, monkeypatch)
    client.force_login(world.admin.user)
    response = client.post(EXPORTS, {"kind": "marks"}, follow=True)
    assert response.status_code == 200
    export = MarkLogExport.objects.get()
    assert export.status == "queued" and export.unsent
    html = response.content.decode()
    assert 'class="msg-warning"' in html and f'data-export="{export.pk}" data-status="queued"' in html
    assert "hx-trigger" in html  # the box keeps asking: the resend may still build it
    assert client.get(URL).status_code == 200 and client.get(EXPORTS).status_code == 200


def unsent_export(world) -> MarkLogExport:
    export = exports.request_export(actor=actor(world.admin), filters={})
    MarkLogExport.objects.filter(pk=export.pk).update(error=MarkLogExport.UNSENT)
    return export


def test_the_tidy_task_leaves_an_unsent_export_unsent_while_celery_broker_is_unreachable(
    world, log, media, celery_broker_unreachable
):
    export = unsent_export(world)
    tidy_marklog_exports_task()
    export.refresh_from_db()
    assert export.unsent and export.status == "queued"


def test_the_tidy_task_resends_unsent_exports_to_the_broker(world, log, media, fresh_broker):
    export = unsent_export(world)
    tidy_marklog_exports_task()
    export.refresh_from_db()
    assert not export.unsent and export.status == "queued"
    assert fresh_broker.take() == [(build_marklog_export_task.name, [export.pk])]


# Old files


def test_exports_older_than_a_week_are_deleted_with_their_files(
    world, log, media, django_capture_on_commit_callbacks
):
    old, fresh = built(world.admin), built(world.admin)
    MarkLogExport.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.purge_old_exports() == 1
    assert list(MarkLogExport.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not (media / old.file.name).exists() and (media / fresh.file.name).exists()


# Query counts


def test_the_exports_box_takes_a_fixed_number_of_queries(world, log, client, django_assert_num_queries):
    client.force_login(world.admin.user)
    client.get(EXPORTS)
    with django_assert_num_queries(2):  # the login with the person, the exports
        client.get(EXPORTS)
    for status in ("done", "running", "queued", "failed") * 3:
        MarkLogExport.objects.create(
            school=world.school, requested_by=world.admin.user, status=status, rows_total=5, error="x"
        )
    with django_assert_num_queries(2):
        assert 'hx-trigger="every 2s"' in client.get(EXPORTS).content.decode()


# A real worker


@pytest.mark.django_db(transaction=True)
def test_an_export_is_built_by_a_real_worker_through_redis(world, monkeypatch, media, fresh_broker):
    with transaction.atomic():  # the log's head is locked FOR UPDATE: no autocommit here
        Log(world, monkeypatch)
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        export = exports.request_export(actor=actor(world.admin), filters={"kind": "marks"})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            export.refresh_from_db()
            if not export.active:
                break
            time.sleep(0.2)
    assert export.status == "done", export.error
    assert [r[0] for r in sheet_of(export).iter_rows(min_row=2, values_only=True)] == [6, 5, 4, 3, 1]


# The page in a real browser (screenshots in test-artifacts/)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_exports_box_in_a_browser(world, monkeypatch, media, page, phone_page, fresh_broker):
    from tests.browser.test_substitution import sign_in
    from tests.browser_fixtures import shot

    with transaction.atomic():
        Log(world, monkeypatch)
        bulk(world, 30)
    for p, name in ((page, "marklog-export-1280"), (phone_page, "marklog-export-phone")):
        sign_in(p, world.admin.user)
        p.goto(f"{p.base_url}{URL}?kind=marks")
        p.click("[data-testid=marklog-xlsx]")
        p.wait_for_load_state()
        assert p.locator(".msg-success").is_visible()
        # No worker here: the task waits in the queue (with the log's notification nudge); the test builds
        # the export itself while the page polls.
        (pk,) = [args[0] for task, args in fresh_broker.take() if task == build_marklog_export_task.name]
        item = p.locator(f"[data-export='{pk}']")
        assert item.get_attribute("data-status") == "queued"
        MarkLogExport.objects.filter(pk=pk).update(status="running", rows_total=36, rows_done=12)
        p.wait_for_selector(f"[data-export='{pk}'][data-status=running]")  # the box polls
        assert "33%" in item.inner_text()
        shot(p, f"{name}-running")
        build_marklog_export_task(pk)
        p.wait_for_selector(f"[data-export='{pk}'][data-status=done] a")
        assert p.locator("#marklog-exports").get_attribute("hx-trigger") is None
        shot(p, f"{name}-done")
