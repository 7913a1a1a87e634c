"""End to end in a real Chromium: the teacher's session ends while they type marks; they sign in again in the
dialog, and every mark typed is saved (issue 14, "Sessions")."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import NotificationPreference, Student, UserSession
from accounts.sessions import store
from journal.models import Cell
from schedule.models import Building
from tests.browser.axe import assert_accessible
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


# --- the warning before the idle limit: the page's clock (Playwright) and the server's (time-machine) move
# together, by the same amounts.


def _later(page, clock, **delta):
    step = datetime.timedelta(**delta)
    clock.move_to(clock.now + step)
    page.clock.run_for(int(step.total_seconds() * 1000))


def test_a_staff_page_warns_before_the_idle_limit_and_staying_keeps_the_session(page, clock):
    world = build_world()
    sign_in(page, world.admin.user)
    page.goto(f"{page.base_url}{reverse('schedule:building_list')}")
    warning = page.locator("#ej-idle-warning")
    _later(page, clock, minutes=27, seconds=50)
    assert not warning.is_visible()
    _later(page, clock, seconds=20)  # 28 min 10 s idle: 1 min 50 s left
    warning.wait_for(state="visible")
    assert page.get_by_role("dialog", name="Вы ещё здесь?").is_visible()
    assert "выйдете из журнала через 2 минуты" in warning.inner_text()
    stay = warning.get_by_role("button", name="Остаться в журнале")
    assert stay.evaluate("el => el === document.activeElement")  # the focus moved into the dialog
    assert_accessible(page, "#ej-idle-warning")
    shot(page, "session-idle-warning")
    stay.click()
    warning.wait_for(state="hidden")
    _later(page, clock, minutes=25)  # 53 minutes after the last page load, 25 after staying
    assert not warning.is_visible()
    page.fill("input[name=name]", "Корпус на Садовой")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(reverse("schedule:building_list"))
    assert Building.objects.filter(school=world.school, name="Корпус на Садовой").exists()


def test_without_staying_the_next_form_sent_asks_to_sign_in_and_keeps_what_was_typed(page, clock):
    world = build_world()
    sign_in(page, world.admin.user)
    page.goto(f"{page.base_url}{reverse('schedule:building_list')}")
    page.fill("input[name=name]", "Корпус на Садовой")
    warning = page.locator("#ej-idle-warning")
    _later(page, clock, minutes=28, seconds=30)
    warning.wait_for(state="visible")
    _later(page, clock, minutes=2)  # past the limit: the warning goes, nobody clicked
    warning.wait_for(state="hidden")
    page.click("main form button[type=submit]")
    dialog = page.locator("#ej-sign-in")
    dialog.wait_for(state="visible")  # the page and the form stay
    assert page.url.endswith(reverse("schedule:building_list"))
    assert page.input_value("main input[name=name]") == "Корпус на Садовой"
    assert not Building.objects.filter(name="Корпус на Садовой").exists()
    page.fill("#ej-sign-in-password", PASSWORD)
    dialog.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.wait_for_function("() => !document.querySelector('#ej-sign-in[open]')")
    for _poll in range(50):
        if Building.objects.filter(school=world.school, name="Корпус на Садовой").exists():
            break
        page.wait_for_timeout(100)
    assert Building.objects.filter(school=world.school, name="Корпус на Садовой").exists()


def test_a_family_page_has_no_warning(page, clock):
    world = build_world()
    sign_in(page, world.parent.user)
    page.goto(f"{page.base_url}{reverse('accounts:notifications')}")
    _later(page, clock, minutes=45)
    assert page.locator("#ej-idle-warning").count() == 0
