"""End to end in a real Chromium: the teacher's session ends while they type marks; they sign in again in the
dialog, and every mark typed is saved (issue 14, "Sessions")."""

import pytest
from django.urls import reverse

from accounts.models import NotificationPreference, Student, UserSession
from accounts.sessions import store
from journal.models import Cell
from tests.browser.test_journal import cell, classroom, wait_saved, world_with_past_days
from tests.browser.test_substitution import sign_in
from tests.browser_fixtures import shot
from tests.conftest import build_world
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_session_that_ends_while_typing_loses_no_mark(page):
    world, period, days = world_with_past_days(6)
    lessons, _ = classroom(world, days)
    rows = world.class_5a.enrollments.order_by("student__person__last_name").values_list("student", flat=True)
    first, second = (Student(pk=pk) for pk in rows[:2])
    user = world.teacher.user
    sign_in(page, user)
    page.goto(f"{page.base_url}{reverse('journal:grid', args=[world.math_5a.pk, period.pk])}")
    col = page.locator("td.jg-cell").last.get_attribute("data-col")

    cell(page, first, col).click()
    page.keyboard.type("5")
    page.keyboard.press("Enter")  # saved, down to the second student
    wait_saved(page)

    for row in UserSession.objects.filter(
        user=user
    ):  # the session ends on the server (another device, a timeout)
        store()(session_key=row.session_key).delete()

    page.keyboard.type("4")
    page.keyboard.press("Enter")
    dialog = page.locator("#ej-sign-in")
    dialog.wait_for(state="visible")
    assert cell(page, second, col).inner_text() == "4"  # what was typed stays on screen
    shot(page, "session-sign-in-dialog")
    page.fill("#ej-sign-in-password", PASSWORD)
    dialog.locator("button[type=submit]").click()
    dialog.wait_for(state="hidden")
    wait_saved(page)

    marks = dict(Cell.objects.filter(work__lesson=lessons[-1]).values_list("student_id", "marks"))
    assert marks == {first.pk: [5], second.pk: [4]}
    page.reload()
    assert cell(page, second, col).inner_text() == "4"


def test_a_form_sent_after_the_session_ended_is_filled_back_in_after_sign_in(page):
    world = build_world()
    user = world.parent.user
    sign_in(page, user)
    page.goto(f"{page.base_url}{reverse('accounts:notifications')}")
    page.check("input[name=marks][value=off]")
    page.check("input[name=remarks][value=daily]")
    page.uncheck("input[name=weekly]")
    for row in UserSession.objects.filter(user=user):
        store()(session_key=row.session_key).delete()
    page.click("form[method=post] button[type=submit] >> text=Сохранить")
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=username]", user.username)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/notifications/**")
    assert page.locator('[data-testid="kept-post"]').is_visible()
    assert page.is_checked("input[name=marks][value=off]")
    assert page.is_checked("input[name=remarks][value=daily]")
    assert not page.is_checked("input[name=weekly]")
    shot(page, "session-form-filled-back-in")
    page.click("form[method=post] button[type=submit] >> text=Сохранить")
    page.wait_for_load_state()
    preference = NotificationPreference.objects.get(parent=world.parent.parent)
    assert (preference.marks, preference.remarks, preference.weekly) == ("off", "daily", False)


def test_an_htmx_request_refused_as_signed_out_is_sent_again_after_sign_in(page):
    world = build_world()
    user = world.teacher.user
    sign_in(page, user)
    page.goto(f"{page.base_url}{reverse('accounts:security')}")
    for row in UserSession.objects.filter(user=user):
        store()(session_key=row.session_key).delete()
    page.evaluate(
        """url => { const box = document.createElement("div"); box.id = "box"; document.body.appendChild(box);
                    window.htmx.ajax("GET", url, { target: "#box", source: "#box" }); }""",
        reverse("accounts:sessions"),
    )
    dialog = page.locator("#ej-sign-in")
    dialog.wait_for(state="visible")
    page.fill("#ej-sign-in-password", PASSWORD)
    dialog.locator("button[type=submit]").click()
    page.locator('#box [data-testid="sessions"]').wait_for()  # the same request, answered after sign-in
    assert not dialog.first.is_visible()  # (the whole page answered holds a second, closed dialog)
