"""axe-core on every main page of every role, at a desktop's 1280 px and a phone's 390 px: no serious or
critical violation (colour contrast, names of buttons and fields, duplicate ids, landmarks…).

A role's pages are its home, every link of its menu (read from the page, so a new menu entry is checked
without editing this file) and the pages those lead to that the role works in every day. The world has a
term of marks, absences, topics, homework, remarks, finals, a timetable week and a printout, so tables and
badges are on screen: an empty page hides contrast problems. One browser context per role; the test
fails once, at the end, with every page's violations (tests/browser/axe.py).
"""

import datetime
import time

import pytest
from django.db import transaction
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from journal.models import Attendance, Cell, Homework, LessonTopic, Remark, Work, WorkType
from schedule import selectors
from schedule.calendar import cancel_lesson
from schedule.models import Lesson
from schedule.substitutions import assign_substitute
from tests.browser.axe import blocking_violations, describe
from tests.browser.test_journal import classroom, past_school_days
from tests.browser.test_substitution import fill_the_week, next_school_day, sign_in
from tests.browser_fixtures import browser_context
from tests.conftest import ROLE_PERSONAS, build_world
from tests.factories import PASSWORD
from tests.journal import actor
from tests.reports.printout_fixture import build_journal, generate, sign_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)


def school_with_a_term(signed=False):
    """The conftest world with the first quarter's journal and printout (`signed`: by everyone, frozen), two
    weeks of the second quarter's marks and absences, and this week's timetable (a substitution, a cancelled
    lesson) with topics and homework; the family's child has marks of every value, absences and remarks."""
    world = build_world()
    with transaction.atomic():
        q1, _ = build_journal(world)  # its work types У and КР serve the later marks too
    printout = generate(world, q1)  # of 5А's maths and Russian, before the week adds courses
    if signed:
        printout = sign_all(world, printout)
    period, days = past_school_days(world, 12)
    day = next_school_day(world)  # tomorrow: its maths lesson has a substitute
    monday = day - datetime.timedelta(days=day.weekday())
    lessons, _ = classroom(world, [d for d in days if d < monday])
    replaced = fill_the_week(world, day)
    assign_substitute(
        actor=actor(world.deputy), lesson=replaced, substitute=world.substitute, reason="болезнь"
    )
    week = Lesson.objects.filter(group__school_class=world.class_5a, date__gte=monday).order_by(
        "date", "slot"
    )
    for n, lesson in enumerate(week):
        LessonTopic.objects.create(school=world.school, lesson=lesson, text=f"Тема урока {n + 1}")
        Homework.objects.create(
            school=world.school, lesson=lesson, text="Прочитать параграф и ответить на вопросы", pages="с. 45"
        )
    cancel_lesson(actor=actor(world.deputy), lesson=week.filter(date__gt=day).first(), note="экскурсия")
    # The family's child gets every kind of mark and absence, in past weeks and in this one.
    oral = WorkType.objects.get(school=world.school, code="У")
    child = world.student.student
    held = [*lessons, *week.filter(group__kind="whole_class", date__lte=selectors.local_today(world.school))]
    for n, lesson in enumerate(held):
        if n % 7 == 6:
            Attendance.objects.create(school=world.school, lesson=lesson, student=child, status="absent")
            continue
        work = Work.objects.filter(lesson=lesson).first() or Work.objects.create(
            school=world.school, lesson=lesson, work_type=oral, position=1
        )
        marks = [[5], [4], [3], [2], [5, 4], [3]][n % 6]
        Cell.objects.create(school=world.school, work=work, student=child, marks=marks)
        if n % 5 == 4:
            Attendance.objects.create(school=world.school, lesson=lesson, student=child, status="late")
    for lesson, kind, text in (
        (lessons[0], "praise", "Отличный ответ у доски"),
        (lessons[1], "remark", "Нет тетради"),
    ):
        Remark.objects.create(
            school=world.school, lesson=lesson, student=child, kind=kind, text=text, author=world.teacher
        )
    return world, {"q1": q1, "period": period, "lesson": lessons[-4], "day": day, "printout": printout}


def url(name, *args, query=""):
    return reverse(name, args=args) + query


def pages_of(role, world, term) -> list[str]:
    """The pages of `role` beyond its home and menu."""
    w, t = world, term
    student = w.student.student.pk
    grid = url("journal:grid", w.math_5a.pk, t["period"].pk)
    substitutions = url("schedule:substitution_day", query=f"?date={t['day']:%Y-%m-%d}")
    diary = [
        url("diary:week", student),
        url("diary:marks", student),
        url("diary:summary", student),
        url("diary:homework", student),
        url("diary:charts", student),
    ]
    own = [url("accounts:security"), url("accounts:sessions"), url("accounts:password_change")]
    two_factor = [url("accounts:otp_setup")]
    printouts = [
        url("reports:printouts", query=f"?period={t['q1'].pk}"),
        url("reports:printout", t["printout"].pk),
    ]
    return {
        "admin": [
            url("schedule:year_list"),
            url("schedule:period_list", w.year.pk),
            url("schedule:holiday_list"),
            url("schedule:building_list"),
            url("schedule:room_list"),
            url("schedule:subject_list"),
            url("schedule:course_list"),
            url("schedule:group_list"),
            url("schedule:bell_list"),
            url("schedule:class_detail", w.class_5a.pk),
            url("schedule:timetable_class", w.class_5a.pk),
            url("schedule:calendar_day", w.class_5a.pk),
            url("accounts:person_detail", w.student.pk),
            url("accounts:person_detail", w.teacher.pk),
            url("accounts:invite_class", w.class_5a.pk),
            url("accounts:person_create"),
            url("accounts:person_edit", w.teacher.pk),
            url("schedule:class_create"),
            url("schedule:class_edit", w.class_5a.pk),
            url("schedule:bell_create"),
            url("journal:settings"),
            url("accounts:jobs"),
            url("reports:index"),
            *printouts,
            grid,
            *own,
            *two_factor,
        ],
        "director": [
            url("reports:report", "finals_by_student"),
            url("reports:report", "journal_control"),
            *printouts,
            grid,
            url("journal:finals", w.math_5a.pk),
            url("diary:class_summary", w.class_5a.pk),
            url("schedule:class_detail", w.class_5a.pk),
            url("accounts:person_detail", w.student.pk),
            *own,
        ],
        "deputy": [
            url("reports:report", "class_sizes"),
            *printouts,
            substitutions,
            f"{substitutions}&teacher={w.teacher.pk}",  # the absent teacher's lessons and who is free
            url("schedule:week_class", w.class_5a.pk),
            url("schedule:week_teacher", w.teacher.pk),
            url("schedule:timetable_class", w.class_5a.pk),
            url("diary:week", student),
            *own,
            *two_factor,
        ],
        "teacher": [
            grid,
            url("journal:lesson", t["lesson"].pk),
            url("journal:lessons", w.math_5a.pk, t["period"].pk),
            url("journal:finals", w.math_5a.pk),
            url("journal:plan", w.math_5a.pk),
            url("reports:report", "teacher_class_results"),
            url("reports:report", "teacher_preliminary"),
            url("reports:printout", t["printout"].pk),
            *own,
            *two_factor,
        ],
        "class_teacher": [
            url("journal:reconcile", w.class_5a.pk),
            url("journal:grid", w.russian_5a.pk, t["period"].pk),
            url("diary:class_summary", w.class_5a.pk),
            url("reports:report", "class_results"),
            url("reports:report", "class_attendance"),
            url("accounts:invite_class", w.class_5a.pk),
            url("reports:printout", t["printout"].pk),
            *diary,
            *own,
        ],
        "student": [*diary, *own],
        "parent": [*diary, *own],
    }[role]


def check(page, violations: dict, where: str):
    found = blocking_violations(page)
    if found:
        violations[f"{where} ({page.url.removeprefix(page.base_url)})"] = found


def check_at_both_widths(page, violations: dict, path: str):
    response = page.goto(f"{page.base_url}{path}")
    assert response.ok, f"{path}: {response.status}"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        check(page, violations, f"{path} at {width} px")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def fail_on(violations: dict):
    if violations:
        report = "\n\n".join(f"{where}:\n{describe(found)}" for where, found in violations.items())
        pytest.fail(f"axe: serious or critical violations on {len(violations)} page views:\n\n{report}")


def open_context(browser, clock, live_server):
    context = browser_context(browser, clock, viewport={"width": WIDTHS[0], "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    return context, page


@pytest.mark.parametrize("role", ROLE_PERSONAS)
def test_the_main_pages_of_each_role_have_no_serious_violation(role, browser, live_server, clock):
    world, term = school_with_a_term()
    context, page = open_context(browser, clock, live_server)
    violations = {}
    try:
        sign_in(page, getattr(world, role).user)
        assert page.url.rstrip("/") == page.base_url, f"{role} did not reach the home page: {page.url}"
        menu = page.locator("nav.nav > a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert len(menu) > 1
        for path in dict.fromkeys([*menu, *pages_of(role, world, term)]):
            check_at_both_widths(page, violations, path)
        page.goto(f"{page.base_url}/")
        page.set_viewport_size({"width": WIDTHS[1], "height": 900})
        for _ in range(2):  # the brand, then the menu's toggle: the phone's menu opens from the keyboard
            page.keyboard.press("Tab")
        page.keyboard.press("Space")
        page.locator("nav.nav").wait_for(state="visible")
        check(page, violations, "the open menu at 390 px")
    finally:
        context.close()
    fail_on(violations)


def test_the_pages_before_sign_in_and_of_the_second_factor_have_no_serious_violation(
    browser, live_server, clock
):
    world, term = school_with_a_term(signed=True)
    frozen = term["printout"]
    device = TOTPDevice.objects.create(user=world.teacher.user, name="authenticator", confirmed=True)
    context, page = open_context(browser, clock, live_server)
    violations = {}
    try:
        for path in (
            url("accounts:login"),
            url("accounts:password_reset"),
            url("accounts:password_reset_done"),
            url("join:start"),
            url("reports:verify_lookup"),
            url("reports:verify", frozen.code),
        ):
            check_at_both_widths(page, violations, path)
        page.goto(f"{page.base_url}{url('accounts:login')}")
        page.fill("input[name=username]", world.teacher.user.username)
        page.fill("input[name=password]", "not the password")
        page.press("input[name=password]", "Enter")
        page.wait_for_selector(".errors")
        check(page, violations, "the sign-in page with its error")
        # The second factor's page, between the password and the journal.
        page.fill("input[name=username]", world.teacher.user.username)
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_selector("input[name=token]")
        check_at_both_widths(page, violations, url("accounts:otp_verify"))
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        page.fill("input[name=token]", f"{totp.token():06d}")
        page.press("input[name=token]", "Enter")
        page.wait_for_url(f"{page.base_url}/")
        for path in (url("accounts:security"), url("accounts:backup_codes")):
            check_at_both_widths(page, violations, path)
    finally:
        context.close()
    fail_on(violations)


def test_the_grid_while_typing_and_its_dialog_have_no_serious_violation(browser, live_server, clock):
    world, term = school_with_a_term()
    context, page = open_context(browser, clock, live_server)
    violations = {}
    try:
        sign_in(page, world.teacher.user)
        page.goto(f"{page.base_url}{url('journal:grid', world.math_5a.pk, term['period'].pk)}")
        page.locator(f'tr[data-student="{world.student.student.pk}"] td.jg-cell').last.click()
        page.keyboard.type("5")
        typing = page.locator("td.jg-cell input")
        typing.wait_for()
        student, date, work_type = typing.get_attribute("aria-label").split(", ")
        assert (student, len(date), bool(work_type)) == (world.student.full_name, len("10.12"), True)
        check(page, violations, "a grid cell being typed in")
        page.keyboard.press("Escape")
        page.locator(".jg-add").last.click()
        page.wait_for_selector("#jg-add[open]")
        check(page, violations, "the grid's dialog to add a mark column")
    finally:
        context.close()
    fail_on(violations)


def test_the_helper_reports_each_serious_violation_with_its_elements(browser, clock):
    context = browser_context(browser, clock)
    page = context.new_page()
    try:
        page.set_content(
            '<html lang="ru"><head><title>t</title></head><body><main>'
            '<p id="pale" style="color:#aaa;background:#fff">Бледный текст</p>'
            '<button id="mute"></button><input id="nameless"></main></body></html>'
        )
        found = blocking_violations(page)
        report = describe(found)
    finally:
        context.close()
    assert {v["id"] for v in found} == {"color-contrast", "button-name", "label"}
    for text in ("color-contrast (serious)", "button-name (critical)", "label (critical)", "#pale", "#mute"):
        assert text in report
