"""The journal settings (R-J-3, R-J-10): the edit window and the school's work types with weights —
the services (validation, audit, refusals), the window taking effect for the write policy, and the page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import AuditEvent
from journal.grid.services import ensure_default_work_types
from journal.models import JournalSettings, Work, WorkType
from journal.policy import ensure_can_write
from journal.settings import services as svc
from schedule.models import Lesson

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db

SETTINGS = reverse("journal:settings")


@pytest.fixture
def types(world):
    """The school's usual work types by code."""
    return {t.code: t for t in ensure_default_work_types(world.school)}


def used(world, work_type, n=1):
    """Put `work_type` on `n` mark columns of 5А maths."""
    for i in range(n):
        day = d(10, 12) + datetime.timedelta(days=i // 6)
        Work.objects.create(
            school=world.school, lesson=lesson(world.math_5a, day, i % 6 + 1), work_type=work_type, position=1
        )


def audits(action):
    return list(AuditEvent.objects.filter(action=action))


def snapshot(school):
    return sorted(
        WorkType.objects.filter(school=school).values_list("code", "name", "weight", "position", "is_default")
    )


# The edit window ------------------------------------------------------------------------------------


def test_setting_the_edit_window_is_audited(world):
    settings = svc.set_edit_window(actor=actor(world.admin), school=world.school, edit_window="1w")
    assert JournalSettings.objects.get(school=world.school).edit_window == "1w" == settings.edit_window
    [event] = audits("journal_edit_window_set")
    assert event.data == {"old": "2w", "new": "1w"}
    assert event.actor == world.admin.user and event.school == world.school


def test_the_same_window_again_changes_and_audits_nothing(world):
    svc.set_edit_window(actor=actor(world.admin), school=world.school, edit_window="2w")
    assert audits("journal_edit_window_set") == []


@pytest.mark.parametrize("value", ["", "forever", "1W", None])
def test_a_window_not_in_the_list_is_refused(world, value):
    with pytest.raises(ValidationError) as exc:
        svc.set_edit_window(actor=actor(world.admin), school=world.school, edit_window=value)
    assert list(exc.value.error_dict) == ["edit_window"]
    assert not JournalSettings.objects.filter(school=world.school).exclude(edit_window="2w").exists()
    assert audits("journal_edit_window_set") == []


def test_the_window_takes_effect_for_the_next_write(world):
    """1 week: the teacher may write the lesson of 7 days ago, not of 8 days ago; the admin still may."""
    today = d(10, 20)
    svc.set_edit_window(actor=actor(world.admin), school=world.school, edit_window="1w")
    eight_days = lesson(world.math_5a, today - datetime.timedelta(days=8), 1)
    seven_days = lesson(world.math_5a, today - datetime.timedelta(days=7), 2)
    with pytest.raises(ValidationError) as exc:
        ensure_can_write(actor(world.teacher), eight_days, now=at(today, 10))
    assert exc.value.code == "edit_window"
    assert ensure_can_write(actor(world.teacher), seven_days, now=at(today, 10)) is False
    assert ensure_can_write(actor(world.admin), eight_days, now=at(today, 10)) is True  # audited override

    svc.set_edit_window(actor=actor(world.admin), school=world.school, edit_window="never")
    eight_days = Lesson.objects.get(pk=eight_days.pk)  # as every write loads it: the school's settings afresh
    assert ensure_can_write(actor(world.teacher), eight_days, now=at(today, 10)) is False


# Work types: validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"code": "", "name": "тест", "weight": "1"}, "code", "required"),
        ({"code": "   ", "name": "тест", "weight": "1"}, "code", "required"),
        ({"code": "КР", "name": "ещё одна контрольная", "weight": "1"}, "code", "unique"),
        ({"code": "ОЧЕНЬДЛИННЫЙ", "name": "тест", "weight": "1"}, "code", "max_length"),
        ({"code": "Т", "name": "", "weight": "1"}, "name", "required"),
        ({"code": "Т", "name": "  ", "weight": "1"}, "name", "required"),
        ({"code": "Т", "name": "т" * 101, "weight": "1"}, "name", "max_length"),
        ({"code": "Т", "name": "тест", "weight": ""}, "weight", "required"),
        ({"code": "Т", "name": "тест", "weight": "abc"}, "weight", "invalid"),
        ({"code": "Т", "name": "тест", "weight": "NaN"}, "weight", "invalid"),
        ({"code": "Т", "name": "тест", "weight": "Infinity"}, "weight", "invalid"),
        ({"code": "Т", "name": "тест", "weight": "1..5"}, "weight", "invalid"),
        ({"code": "Т", "name": "тест", "weight": "0"}, "weight", "min_value"),
        ({"code": "Т", "name": "тест", "weight": "-1"}, "weight", "min_value"),
        ({"code": "Т", "name": "тест", "weight": "10.1"}, "weight", "max_value"),
        ({"code": "Т", "name": "тест", "weight": "1e3"}, "weight", "max_value"),
        ({"code": "Т", "name": "тест", "weight": "1.25"}, "weight", "decimal_places"),
        ({"code": "Т", "name": "тест", "weight": "0,05"}, "weight", "decimal_places"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(world, types, data, field, code):
    before = snapshot(world.school)
    with pytest.raises(ValidationError) as exc:
        svc.add_work_type(actor=actor(world.admin), school=world.school, **data)
    assert list(exc.value.error_dict) == [field]
    assert exc.value.error_dict[field][0].code == code
    assert snapshot(world.school) == before
    assert audits("work_type_added") == []


def test_every_bad_field_is_named_at_once(world, types):
    with pytest.raises(ValidationError) as exc:
        svc.add_work_type(actor=actor(world.admin), school=world.school, code="", name="", weight="x")
    assert set(exc.value.error_dict) == {"code", "name", "weight"}


def test_adding_a_type_puts_it_last_with_the_weight_as_typed(world, types):
    added = svc.add_work_type(
        actor=actor(world.admin), school=world.school, code=" Т ", name=" тест  по теме ", weight="1,5"
    )
    added.refresh_from_db()
    assert (added.code, added.name, added.weight, added.is_default) == (
        "Т",
        "тест по теме",
        Decimal("1.5"),
        False,
    )
    assert added.position == max(t.position for t in types.values()) + 1
    [event] = audits("work_type_added")
    assert event.data == {"code": "Т", "name": "тест по теме", "weight": "1.5"}


@pytest.mark.parametrize("weight", ["10", "0.1", "2.0", Decimal("3.5"), 7])
def test_weights_in_range_are_accepted(world, types, weight):
    added = svc.add_work_type(
        actor=actor(world.admin), school=world.school, code="Т", name="тест", weight=weight
    )
    assert added.weight == Decimal(str(weight)).quantize(Decimal("0.1"))


def test_codes_are_case_sensitive(world, types):
    """КР exists; кр is another code (as the database's unique constraint sees it)."""
    added = svc.add_work_type(
        actor=actor(world.admin), school=world.school, code="кр", name="карточка", weight="1"
    )
    assert WorkType.objects.filter(school=world.school, code__in=["КР", "кр"]).count() == 2
    assert added.code == "кр"


def test_another_school_may_use_the_same_code(world, other_world, types):
    """Codes are unique per school: each school gets its own Т at the end of its own list."""
    theirs = ensure_default_work_types(other_world.school)
    there = svc.add_work_type(
        actor=actor(other_world.admin), school=other_world.school, code="Т", name="тест", weight="1"
    )
    here = svc.add_work_type(actor=actor(world.admin), school=world.school, code="Т", name="тест", weight="1")
    assert here.pk != there.pk
    assert sorted(
        WorkType.objects.filter(code="Т").values_list("school", "name", "weight", "position", "is_default")
    ) == sorted(
        [
            (world.school.pk, "тест", Decimal("1.0"), len(types) + 1, False),
            (other_world.school.pk, "тест", Decimal("1.0"), len(theirs) + 1, False),
        ]
    )
    assert sorted((e.school_id, e.data["code"]) for e in audits("work_type_added")) == sorted(
        [(world.school.pk, "Т"), (other_world.school.pk, "Т")]
    )


def test_the_first_type_of_an_empty_school_is_the_default(world):
    added = svc.add_work_type(
        actor=actor(world.admin), school=world.school, code="У", name="устный", weight="1"
    )
    assert added.is_default and added.position == 1


# Work types: changes ----------------------------------------------------------------------------------


def test_changing_a_weight_is_audited_with_old_and_new(world, types):
    test = svc.update_work_type(
        actor=actor(world.admin), work_type=types["КР"], code="КР", name="контрольная", weight="3"
    )
    test.refresh_from_db()
    assert test.weight == Decimal("3.0") and test.name == "контрольная"
    [event] = audits("work_type_changed")
    assert event.data["old"]["weight"] == "2.0" and event.data["new"]["weight"] == "3.0"


def test_an_unchanged_type_writes_no_audit(world, types):
    t = types["КР"]
    svc.update_work_type(
        actor=actor(world.admin), work_type=t, code=t.code, name=t.name, weight=str(t.weight)
    )
    assert audits("work_type_changed") == []


def test_renaming_to_another_types_code_is_refused(world, types):
    before = snapshot(world.school)
    with pytest.raises(ValidationError) as exc:
        svc.update_work_type(actor=actor(world.admin), work_type=types["КР"], code="СР", name="x", weight="2")
    assert list(exc.value.error_dict) == ["code"]
    assert snapshot(world.school) == before


@pytest.mark.parametrize("weight", ["0", "11", "1.55", "два"])
def test_a_bad_new_weight_changes_nothing(world, types, weight):
    before = snapshot(world.school)
    with pytest.raises(ValidationError) as exc:
        svc.update_work_type(
            actor=actor(world.admin), work_type=types["КР"], code="КР", name="к", weight=weight
        )
    assert list(exc.value.error_dict) == ["weight"]
    assert snapshot(world.school) == before
    assert audits("work_type_changed") == []


def test_a_used_type_cannot_be_deleted(world, types, english):
    used(world, types["КР"], 2)
    with pytest.raises(ValidationError) as exc:
        svc.delete_work_type(actor=actor(world.admin), work_type=types["КР"])
    assert exc.value.code == "in_use"
    assert "used in 2 mark columns" in exc.value.messages[0]
    assert "rename it or change its weight instead" in exc.value.messages[0]
    assert WorkType.objects.filter(pk=types["КР"].pk).exists()
    assert audits("work_type_deleted") == []


def test_the_default_type_cannot_be_deleted(world, types):
    with pytest.raises(ValidationError) as exc:
        svc.delete_work_type(actor=actor(world.admin), work_type=types["У"])
    assert exc.value.code == "default"
    assert WorkType.objects.filter(pk=types["У"].pk).exists()


def test_an_unused_type_is_deleted_and_audited(world, types):
    svc.delete_work_type(actor=actor(world.admin), work_type=types["ЛР"])
    assert not WorkType.objects.filter(pk=types["ЛР"].pk).exists()
    [event] = audits("work_type_deleted")
    assert event.data["code"] == "ЛР" and event.object_id == str(types["ЛР"].pk)


def test_there_is_always_exactly_one_default(world, types):
    svc.make_default_work_type(actor=actor(world.admin), work_type=types["КР"])
    assert list(
        WorkType.objects.filter(school=world.school, is_default=True).values_list("code", flat=True)
    ) == ["КР"]
    [event] = audits("work_type_default_set")
    assert event.data == {"old": "У", "new": "КР"}
    svc.make_default_work_type(actor=actor(world.admin), work_type=types["КР"])  # already: nothing to do
    assert len(audits("work_type_default_set")) == 1
    svc.delete_work_type(actor=actor(world.admin), work_type=types["У"])  # no longer the default
    assert WorkType.objects.filter(school=world.school, is_default=True).count() == 1


def test_moving_types_up_and_down(world, types):
    def order():
        return list(WorkType.objects.filter(school=world.school).values_list("code", flat=True))

    first, second = order()[:2]
    svc.move_work_type(actor=actor(world.admin), work_type=types[second], direction="up")
    assert order()[:2] == [second, first]
    svc.move_work_type(actor=actor(world.admin), work_type=types[second], direction="up")  # already first
    assert order()[:2] == [second, first]
    svc.move_work_type(actor=actor(world.admin), work_type=types[second], direction="down")
    assert order()[:2] == [first, second]
    assert len(audits("work_type_moved")) == 2
    assert list(WorkType.objects.filter(school=world.school).values_list("position", flat=True)) == list(
        range(1, len(types) + 1)
    )
    with pytest.raises(ValidationError):
        svc.move_work_type(actor=actor(world.admin), work_type=types[first], direction="sideways")


# Who may ---------------------------------------------------------------------------------------------


def _calls(world, types):
    t = types["ЛР"]
    return {
        "window": lambda a: svc.set_edit_window(actor=a, school=world.school, edit_window="1w"),
        "add": lambda a: svc.add_work_type(actor=a, school=world.school, code="Т", name="тест", weight="1"),
        "update": lambda a: svc.update_work_type(actor=a, work_type=t, code="ЛР", name="лаб", weight="3"),
        "delete": lambda a: svc.delete_work_type(actor=a, work_type=t),
        "default": lambda a: svc.make_default_work_type(actor=a, work_type=t),
        "move": lambda a: svc.move_work_type(actor=a, work_type=t, direction="up"),
    }


@pytest.mark.parametrize("call", ["window", "add", "update", "delete", "default", "move"])
@pytest.mark.parametrize(
    "who", ["director", "deputy", "teacher", "class_teacher", "student", "parent", "outsider"]
)
def test_only_the_school_admin_changes_the_settings(world, other_world, types, call, who):
    person = other_world.admin if who == "outsider" else getattr(world, who)
    before = snapshot(world.school)
    with pytest.raises(PermissionDenied):
        _calls(world, types)[call](actor(person))
    assert snapshot(world.school) == before
    assert JournalSettings.objects.filter(school=world.school, edit_window="1w").exists() is False


# The page --------------------------------------------------------------------------------------------


def body(response):
    return response.content.decode()


def test_the_admin_sees_the_usual_list_on_first_view(world, login):
    assert not WorkType.objects.filter(school=world.school).exists()
    html = body(login(world.admin).get(SETTINGS))
    assert WorkType.objects.filter(school=world.school).count() == 8
    assert reverse("journal:settings_window") in html and reverse("journal:work_type_add") in html
    assert 'value="1w"' in html and 'value="never"' in html


def test_director_and_deputy_read_it_without_forms(world, login):
    for person in (world.director, world.deputy):
        html = body(login(person).get(SETTINGS))
        assert "КР" in html
        assert reverse("journal:settings_window") not in html
        assert reverse("journal:work_type_add") not in html


def test_the_page_shows_usage_and_offers_delete_only_for_unused_types(world, types, login):
    used(world, types["КР"], 3)
    html = body(login(world.admin).get(SETTINGS))
    assert reverse("journal:work_type_delete", args=[types["КР"].pk]) not in html
    assert reverse("journal:work_type_delete", args=[types["ЛР"].pk]) in html
    assert reverse("journal:work_type_delete", args=[types["У"].pk]) not in html  # the default


def test_a_bad_window_shows_the_message_and_changes_nothing(world, login):
    response = login(world.admin).post(reverse("journal:settings_window"), {"edit_window": "forever"})
    assert response.status_code == 200
    assert 'id="id_edit_window_error"' in body(response)
    assert journal_window(world) == "2w"


def journal_window(world):
    return JournalSettings.objects.get_or_create(school=world.school)[0].edit_window


def test_the_window_is_saved_from_the_page(world, login):
    response = login(world.admin).post(reverse("journal:settings_window"), {"edit_window": "1m"})
    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert journal_window(world) == "1m"


def test_a_bad_new_type_shows_the_messages_next_to_the_fields(world, types, login):
    before = snapshot(world.school)
    response = login(world.admin).post(
        reverse("journal:work_type_add"), {"code": "КР", "name": "", "weight": "1.25"}
    )
    assert response.status_code == 200
    html = body(response)
    for field in ("code", "name", "weight"):
        assert f'id="id_{field}_error"' in html
    assert snapshot(world.school) == before


def test_a_new_type_is_added_from_the_page(world, types, login):
    response = login(world.admin).post(
        reverse("journal:work_type_add"), {"code": "Т", "name": "тест", "weight": "2,5"}
    )
    assert response.status_code == 302
    assert WorkType.objects.get(school=world.school, code="Т").weight == Decimal("2.5")


def test_editing_a_type_with_a_bad_weight_shows_the_form_again(world, types, login):
    url = reverse("journal:work_type_edit", args=[types["КР"].pk])
    client = login(world.admin)
    assert 'value="2,0"' in body(client.get(url))  # as the list shows it; the service reads the comma
    before = snapshot(world.school)
    response = client.post(url, {"code": "КР", "name": "контрольная", "weight": "0"})
    assert response.status_code == 200 and 'id="id_weight_error"' in body(response)
    assert snapshot(world.school) == before
    response = client.post(url, {"code": "КР", "name": "контрольная", "weight": "2.5"})
    assert response.status_code == 302
    assert WorkType.objects.get(pk=types["КР"].pk).weight == Decimal("2.5")


def test_deleting_a_used_type_from_the_page_explains_why_not(world, types, login):
    used(world, types["КР"])
    client = login(world.admin)
    response = client.post(reverse("journal:work_type_delete", args=[types["КР"].pk]), follow=True)
    assert response.status_code == 200
    assert WorkType.objects.filter(pk=types["КР"].pk).exists()
    assert 'class="msg-error"' in body(response)


def test_a_type_of_another_school_is_not_found(world, other_world, types, login):
    response = login(other_world.admin).post(reverse("journal:work_type_delete", args=[types["ЛР"].pk]))
    assert response.status_code == 404
    assert WorkType.objects.filter(pk=types["ЛР"].pk).exists()


PAGE_QUERIES = 6


@pytest.mark.parametrize("extra_types", [0, 10])
def test_the_page_query_count_does_not_grow_with_the_list(
    world, types, login, extra_types, django_assert_num_queries
):
    for n in range(extra_types):
        WorkType.objects.create(school=world.school, code=f"Т{n}", name="тест", weight=1, position=20 + n)
    used(world, types["КР"], extra_types)
    client = login(world.admin)
    client.get(SETTINGS)  # the session's first request may touch more
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(SETTINGS)
    assert body(response).count('id="type-') == 8 + extra_types


# In a real Chromium ----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_changes_a_weight_in_the_browser(browser, live_server, clock, width):
    """The admin opens the page, adds a type with a bad weight (message next to it), fixes it, sees it listed.

    Leaves screenshots of the page at 1280 px and at a phone's 390 px in test-artifacts/.
    """
    from tests.browser.test_substitution import sign_in
    from tests.browser_fixtures import browser_context, shot
    from tests.conftest import build_world

    world = build_world()
    used(world, {t.code: t for t in ensure_default_work_types(world.school)}["КР"], 3)
    context = browser_context(browser, clock, viewport={"width": width, "height": 900}, is_mobile=width < 500)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        sign_in(page, world.admin.user)
        page.goto(f"{live_server.url}{SETTINGS}")
        assert page.locator(
            "#type-" + str(WorkType.objects.get(school=world.school, code="КР").pk)
        ).is_visible()
        shot(page, f"journal_settings_{width}")
        page.fill("input[name=code]", "Т")
        page.fill("input[name=name]", "тест по теме")
        page.fill("input[name=weight]", "1,25")
        page.click(".js-add button[type=submit]")
        expect(page.locator("#id_weight_error")).to_be_visible()
        shot(page, f"journal_settings_error_{width}")
        page.fill("input[name=weight]", "1,5")
        page.click(".js-add button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".msg-success").is_visible()
        assert WorkType.objects.get(school=world.school, code="Т").weight == Decimal("1.5")
        page.goto(f"{live_server.url}{reverse('journal:work_type_edit', args=[types_pk(world, 'КР')])}")
        shot(page, f"journal_settings_type_{width}")
    finally:
        context.close()


def types_pk(world, code):
    return WorkType.objects.get(school=world.school, code=code).pk


# The rules of final marks (R-F-2 thresholds, R-F-4 deadline) ----------------------------------------

GOOD_RULES = {
    "threshold_3": "2,6",
    "threshold_4": "3.6",
    "threshold_5": "4.60",
    "round_average": True,
    "finals_deadline": "before",
    "finals_deadline_days": "2",
}


def finals_rules(world):
    JournalSettings.objects.get_or_create(school=world.school)
    s = JournalSettings.objects.get(school=world.school)
    return (
        s.threshold_3,
        s.threshold_4,
        s.threshold_5,
        s.round_average,
        s.finals_deadline,
        s.finals_deadline_days,
    )


DEFAULT_RULES = (Decimal("2.65"), Decimal("3.65"), Decimal("4.65"), False, "after", 7)


def test_the_finals_rules_are_saved_and_audited(world):
    svc.set_finals_rules(actor=actor(world.admin), school=world.school, **GOOD_RULES)
    assert finals_rules(world) == (Decimal("2.60"), Decimal("3.60"), Decimal("4.60"), True, "before", 2)
    [event] = audits("journal_finals_rules_set")
    assert event.data["old"]["threshold_3"] == "2.65" and event.data["new"]["threshold_3"] == "2.60"
    assert event.data["new"]["round_average"] == "True" and event.actor == world.admin.user
    # The same rules again: nothing changes, nothing is audited.
    svc.set_finals_rules(actor=actor(world.admin), school=world.school, **GOOD_RULES)
    assert len(audits("journal_finals_rules_set")) == 1


def test_the_new_thresholds_decide_the_next_proposal(world):
    from journal.finals.values import Thresholds, propose

    svc.set_finals_rules(actor=actor(world.admin), school=world.school, **GOOD_RULES)
    thresholds = Thresholds.of(JournalSettings.objects.get(school=world.school))
    assert propose(Decimal("3.6"), Decimal(1), thresholds).mark == 4  # 3.60 ≥ 3.60 (was 3 with 3.65)
    assert propose(Decimal("3.595"), Decimal(1), thresholds).mark == 4  # rounded first: 3.60


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"threshold_3": ""}, "threshold_3", "required"),
        ({"threshold_3": "abc"}, "threshold_3", "invalid"),
        ({"threshold_3": "NaN"}, "threshold_3", "invalid"),
        ({"threshold_3": "2.655"}, "threshold_3", "decimal_places"),
        ({"threshold_3": "2"}, "threshold_3", "range"),
        ({"threshold_5": "5.01"}, "threshold_5", "range"),
        ({"threshold_4": "2.60"}, "threshold_4", "thresholds"),
        ({"threshold_4": "2.5"}, "threshold_4", "thresholds"),
        ({"threshold_5": "3.6"}, "threshold_5", "thresholds"),
        ({"finals_deadline": "soon"}, "finals_deadline", "invalid_choice"),
        ({"finals_deadline_days": "61"}, "finals_deadline_days", "invalid"),
        ({"finals_deadline_days": "-1"}, "finals_deadline_days", "invalid"),
        ({"finals_deadline_days": "2.5"}, "finals_deadline_days", "invalid"),
        ({"finals_deadline_days": ""}, "finals_deadline_days", "invalid"),
    ],
)
def test_bad_finals_rules_name_the_field_and_save_nothing(world, changes, field, code):
    with pytest.raises(ValidationError) as exc:
        svc.set_finals_rules(actor=actor(world.admin), school=world.school, **{**GOOD_RULES, **changes})
    assert list(exc.value.error_dict) == [field]
    assert exc.value.error_dict[field][0].code == code
    assert finals_rules(world) == DEFAULT_RULES
    assert audits("journal_finals_rules_set") == []


@pytest.mark.parametrize("days", ["0", "60"])
def test_the_deadline_days_bounds_are_allowed(world, days):
    svc.set_finals_rules(
        actor=actor(world.admin), school=world.school, **{**GOOD_RULES, "finals_deadline_days": days}
    )
    assert finals_rules(world)[-1] == int(days)


def test_only_the_admin_sets_the_finals_rules(world, other_world):
    for person in (world.deputy, world.director, world.teacher, other_world.admin):
        with pytest.raises(PermissionDenied):
            svc.set_finals_rules(actor=actor(person), school=world.school, **GOOD_RULES)
    assert finals_rules(world) == DEFAULT_RULES


def test_the_finals_rules_are_saved_from_the_page(world, login):
    client = login(world.admin)
    html = body(client.get(SETTINGS))
    assert reverse("journal:settings_finals") in html and 'value="3,65"' in html
    data = {**GOOD_RULES, "round_average": "on"}
    response = client.post(reverse("journal:settings_finals"), data)
    assert response.status_code == 302 and response["Location"] == SETTINGS + "#js-finals"
    assert finals_rules(world)[:4] == (Decimal("2.60"), Decimal("3.60"), Decimal("4.60"), True)


def test_bad_finals_rules_show_the_messages_next_to_the_fields(world, login):
    response = login(world.admin).post(
        reverse("journal:settings_finals"),
        {"threshold_3": "4", "threshold_4": "x", "threshold_5": "4.6", "finals_deadline": "soon"},
    )
    assert response.status_code == 200
    html = body(response)
    for field in ("threshold_4", "finals_deadline", "finals_deadline_days"):
        assert f'id="id_{field}_error"' in html
    assert 'value="4"' in html  # what was typed stays
    assert finals_rules(world) == DEFAULT_RULES


def test_readers_see_the_finals_rules_without_a_form(world, login):
    html = body(login(world.deputy).get(SETTINGS))
    assert reverse("journal:settings_finals") not in html
    assert "3.65" in html or "3,65" in html
