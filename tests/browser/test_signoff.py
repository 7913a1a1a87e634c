"""The printouts' sign-off in a real browser (screenshots in test-artifacts/): the deputy's list of classes, a
teacher confirming their pages, and the public verification page of the signed copy, at 1280 and 360 px."""

import pytest
from django.db import transaction
from django.urls import reverse

from reports.tasks import render_printout_task
from tests.browser.test_substitution import sign_in
from tests.browser_fixtures import shot
from tests.reports.printout_fixture import build_journal, generate, sign_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_teacher_confirms_and_the_deputy_sees_who_holds_it_up(world, page, phone_page, monkeypatch):
    monkeypatch.setattr(render_printout_task, "apply_async", lambda args, **kw: render_printout_task(*args))
    with transaction.atomic():
        period, _ = build_journal(world)
    printout = generate(world, period)
    detail = reverse("reports:printout", kwargs={"pk": printout.pk})
    for p, name in ((page, "1280"), (phone_page, "360")):
        sign_in(p, world.deputy.user)
        p.goto(f"{p.base_url}{reverse('reports:printouts')}?period={period.pk}")
        row = p.locator(f"tr[data-class='{world.class_5a.pk}']")
        assert row.get_attribute("data-stage") == "courses"
        assert world.teacher.short_name in row.inner_text()
        shot(p, f"printouts-list-{name}")
        if name == "360":
            assert no_horizontal_scroll(p)
    page.context.clear_cookies()
    sign_in(page, world.teacher.user)
    page.goto(f"{page.base_url}{detail}")
    shot(page, "printout-teacher-1280")
    page.click(f"[data-testid=po-confirm-{world.math_5a.pk}]")
    page.wait_for_load_state()
    assert page.locator(".msg-success").is_visible()
    assert page.locator(f"[data-testid=po-confirm-{world.math_5a.pk}]").count() == 0
    phone_page.context.clear_cookies()
    sign_in(phone_page, world.class_teacher.user)
    phone_page.goto(f"{phone_page.base_url}{detail}")
    shot(phone_page, "printout-class-teacher-360")
    assert no_horizontal_scroll(phone_page)


def test_the_public_verification_page(world, page, phone_page):
    with transaction.atomic():
        period, _ = build_journal(world)
    frozen = sign_all(world, generate(world, period))
    url = reverse("reports:verify", kwargs={"code": frozen.code})
    for p, name in ((page, "1280"), (phone_page, "360")):
        p.goto(f"{p.base_url}{url}")
        assert p.locator("[data-testid=verify-document]").get_attribute("data-frozen") == "1"
        p.fill("#id_sha256", frozen.sha256)
        p.click("[data-testid=verify-form] button[type=submit]")
        p.wait_for_load_state()
        assert p.locator("[data-testid=verify-outcome]").get_attribute("data-matches") == "1"
        shot(p, f"printout-verify-{name}")
        if name == "360":
            assert no_horizontal_scroll(p)
    sign_in(page, world.director.user)
    page.goto(f"{page.base_url}{reverse('reports:printout', kwargs={'pk': frozen.pk})}")
    shot(page, "printout-frozen-1280")
