"""The tiny demo's home pages in a real Chromium on a Sunday and in the summer (issue 13): the teacher and
the parent at 360 px and 1280 px read why there are no lessons and what comes next, and no page scrolls
sideways. Leaves screenshots in test-artifacts/.
"""

import pytest
from django.contrib.auth import get_user_model

from ejournal import demo
from tests.browser_fixtures import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PREFIX = "shots-"


def sign_in(page, role):
    username = PREFIX + demo.USERNAMES[role]
    assert get_user_model().objects.filter(username=username).exists()
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()


def look(page, phone_page, name: str, expected: dict[str, list[str]]):
    for role, texts in expected.items():
        for p, width in ((page, 1280), (phone_page, 360)):
            sign_in(p, role)
            card = p.get_by_test_id("day-off")
            for text in texts:
                assert text in card.inner_text(), (role, width, text)
            assert p.evaluate("document.documentElement.scrollWidth") <= width, (role, width)
            shot(p, f"demo-{name}-{role}-{width}")
            p.context.clear_cookies()


@pytest.mark.now("2026-12-13 11:00")  # a Sunday of the second quarter
def test_a_sunday(page, phone_page, clock):
    demo.build_demo(size="tiny", today=clock.today, login_prefix=PREFIX)
    look(
        page,
        phone_page,
        "sunday",
        {
            "teacher": [
                "Сегодня воскресенье — уроков нет.",
                "Ближайший учебный день: понедельник, 14 декабря",
            ],
            "parent": [
                "Сегодня воскресенье — уроков нет.",
                "Ближайший учебный день: понедельник, 14 декабря",
            ],
        },
    )


@pytest.mark.now("2027-07-18 11:00")
def test_the_summer(page, phone_page, clock):
    demo.build_demo(size="tiny", today=clock.today, login_prefix=PREFIX)
    summer = "Летние каникулы: учебный год 2026/2027 завершился 31 мая."
    look(
        page,
        phone_page,
        "summer",
        {
            "teacher": [summer, "Ближайший учебный день: среда, 1 сентября"],
            "class_teacher": [summer],
            "parent": [summer],
            "deputy": [summer],
        },
    )
