"""Bell schedules (R-TT-1): which bells apply on a date, saving schedules and their slots all or nothing, the pages."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent
from schedule import bells, timetable
from schedule.models import BellDay, BellSchedule, BellSlot
from tests import factories as f

from .conftest import d

pytestmark = pytest.mark.django_db


def t(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


SHORT = [(1, t("08:30"), t("09:00")), (2, t("09:10"), t("09:40")), (3, t("09:50"), t("10:20"))]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def refused(call, field) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        call()
    errors = exc.value.message_dict
    assert field in errors, errors
    return errors[field]


def save(actor, name="Сокращённый день", shift=1, is_default=False, slots=SHORT, **kw):
    return bells.save_bell_schedule(
        actor=actor, name=name, shift=shift, is_default=is_default, slots=slots, **kw
    )


# Which bells apply


def test_bells_for_follows_a_special_day_else_the_default_of_the_shift(world, admin_actor):
    main = f.make_bells(world.school, shift=1)
    short = save(admin_actor)
    second = f.make_bells(world.school, shift=2, slots=[("14:00", "14:45")])
    BellDay.objects.create(school=world.school, date=d(12, 30), shift=1, schedule=short)
    assert bells.bells_for(world.school, d(12, 29), 1) == bells.slots_of(main)
    assert bells.bells_for(world.school, d(12, 30), 1) == {n: (a, b) for n, a, b in SHORT}
    assert bells.bells_for(world.school, d(12, 30), 2) == {1: (t("14:00"), t("14:45"))}
    assert bells.bells_for(world.school, d(12, 30), 3) == {}
    assert bells.schedule_for(world.school, d(12, 30), 1) == short
    book = bells.BellBook(world.school)
    for day in (d(12, 29), d(12, 30)):
        for shift in (1, 2, 3):
            assert book.bells_for(day, shift) == bells.bells_for(world.school, day, shift)
    assert book.default(2) == bells.slots_of(second)


def test_bells_for_answers_in_one_query(world, django_assert_num_queries):
    f.make_bells(world.school)
    with django_assert_num_queries(1):
        assert len(bells.bells_for(world.school, d(10, 1), 1)) == 8


# Saving a schedule and its slots


def test_a_schedule_with_its_slots_is_saved_and_audited(world, admin_actor):
    schedule = save(admin_actor, is_default=True)
    assert (
        schedule.is_default
        and list(BellSlot.objects.filter(schedule=schedule).values_list("number", "starts", "ends")) == SHORT
    )
    assert list(AuditEvent.objects.filter(object_id=str(schedule.pk)).values_list("action", flat=True)) == [
        "save_bell_schedule",
        "save_bell_slots",
    ]


def test_overlapping_slots_are_refused_naming_both_and_nothing_is_saved(world, admin_actor):
    slots = [(1, t("08:30"), t("09:15")), (2, t("09:10"), t("09:55"))]
    assert refused(lambda: save(admin_actor, slots=slots), "slots") == [
        "Lesson 1 (08:30–09:15) and lesson 2 (09:10–09:55) overlap."
    ]
    assert not BellSchedule.objects.exists() and not AuditEvent.objects.exists()


def test_bad_slots_are_refused_with_every_problem(world, admin_actor):
    slots = [(1, t("08:30"), t("08:00")), (2, t("09:00"), t("09:45")), (2, t("10:00"), t("10:45"))]
    assert refused(lambda: save(admin_actor, slots=slots), "slots") == [
        "Lesson 1 ends (08:00) before it starts (08:30).",
        "Lesson number 2 appears twice.",
    ]
    assert refused(
        lambda: save(admin_actor, slots=[(2, t("08:30"), t("09:00")), (1, t("09:10"), t("09:40"))]), "slots"
    ) == ["Lesson 2 starts before lesson 1: number the lessons in the order of the day."]


def test_a_second_default_for_a_shift_is_refused(world, admin_actor):
    f.make_bells(world.school, shift=1, name="Основное")
    assert refused(lambda: save(admin_actor, is_default=True), "is_default") == [
        "Shift 1 already uses «Основное» by default; untick it there first."
    ]
    save(admin_actor, shift=2, is_default=True)


def test_a_duplicate_name_and_an_unknown_shift_are_refused(world, admin_actor):
    save(admin_actor)
    assert refused(lambda: save(admin_actor), "name") == ["A bell schedule with this name already exists."]
    assert refused(lambda: save(admin_actor, name="Третья", shift=3), "shift") == [
        "The shift must be 1 or 2."
    ]


def test_save_slots_replaces_the_set_all_or_nothing(world, admin_actor):
    schedule = save(admin_actor)
    bells.save_slots(actor=admin_actor, schedule=schedule, slots=SHORT[:2])
    assert sorted(bells.slots_of(schedule)) == [1, 2]
    bad = [(1, t("08:30"), t("09:00")), (2, t("08:50"), t("09:30"))]
    refused(lambda: bells.save_slots(actor=admin_actor, schedule=schedule, slots=bad), "slots")
    assert sorted(bells.slots_of(schedule)) == [1, 2]


def test_the_default_schedule_keeps_the_lessons_the_timetable_uses(world, admin_actor):
    main = f.make_bells(world.school, shift=1)
    timetable.place_lesson(
        actor=admin_actor, course=world.math_5a, weekday=1, slot=8, starts=world.year.starts
    )
    keep = [(n, a, b) for n, (a, b) in bells.slots_of(main).items() if n < 8]
    assert refused(lambda: bells.save_slots(actor=admin_actor, schedule=main, slots=keep), "slots") == [
        "The timetable of shift 1 uses lesson 8 (1 entries): keep that lesson or move those entries first."
    ]
    assert refused(
        lambda: bells.save_bell_schedule(
            actor=admin_actor, schedule=main, name=main.name, shift=1, is_default=False
        ),
        "is_default",
    )
    assert refused(lambda: bells.delete_bell_schedule(actor=admin_actor, schedule=main), NON_FIELD_ERRORS)
    assert len(bells.slots_of(main)) == 8


def test_the_database_refuses_overlapping_slots_inserted_directly(world):
    from django.db import IntegrityError, transaction

    schedule = f.make_bells(world.school)
    with pytest.raises(IntegrityError), transaction.atomic():
        BellSlot.objects.create(
            school=world.school, schedule=schedule, number=9, starts=t("08:40"), ends=t("09:00")
        )


# Special days


def test_special_days_are_saved_checked_and_deleted(world, admin_actor):
    short = save(admin_actor)
    day = bells.save_bell_day(actor=admin_actor, date=d(12, 30), shift=1, schedule=short)
    assert refused(
        lambda: bells.save_bell_day(actor=admin_actor, date=d(12, 30), shift=1, schedule=short), "date"
    ) == [f"Shift 1 already follows «Сокращённый день» on {bells.fmt(d(12, 30))}."]
    assert refused(
        lambda: bells.save_bell_day(actor=admin_actor, date=d(12, 31), shift=2, schedule=short), "schedule"
    ) == ["«Сокращённый день» is a schedule of shift 1, not of shift 2."]
    assert refused(
        lambda: bells.save_bell_day(
            actor=admin_actor, date=datetime.date(2027, 7, 1), shift=1, schedule=short
        ),
        "date",
    )
    assert refused(
        lambda: bells.delete_bell_schedule(actor=admin_actor, schedule=short), NON_FIELD_ERRORS
    ) == ["«Сокращённый день» is used on 1 special days; delete those days first."]
    bells.delete_bell_day(actor=admin_actor, bell_day=day)
    assert not BellDay.objects.exists()
    bells.delete_bell_schedule(actor=admin_actor, schedule=short)
    assert [a for a in AuditEvent.objects.order_by("pk").values_list("action", flat=True)][-3:] == [
        "save_bell_day",
        "delete_bell_day",
        "delete_bell_schedule",
    ]


def test_a_schedule_of_another_school_is_refused_for_a_special_day(world, other_world, admin_actor):
    foreign = f.make_bells(other_world.school)
    assert refused(
        lambda: bells.save_bell_day(actor=admin_actor, date=d(12, 30), shift=1, schedule=foreign), "schedule"
    )


# Pages


@pytest.fixture
def deputy_client(client, world):
    client.force_login(world.deputy.user)
    return client


def slot_data(rows, total=None):
    data = {"slots-TOTAL_FORMS": str(total or len(rows)), "slots-INITIAL_FORMS": "0"}
    for i, (number, starts, ends) in enumerate(rows):
        data |= {f"slots-{i}-number": number, f"slots-{i}-starts": starts, f"slots-{i}-ends": ends}
    return data


def test_creating_a_schedule_on_the_page(world, deputy_client):
    assert deputy_client.get(reverse("schedule:bell_create")).status_code == 200
    data = {"name": "Основное", "shift": "1", "is_default": "on"} | slot_data(
        [("1", "08:30", "09:15"), ("2", "09:25", "10:10"), ("", "", "")]
    )
    response = deputy_client.post(reverse("schedule:bell_create"), data)
    assert response.status_code == 302
    schedule = BellSchedule.objects.get()
    assert schedule.is_default and sorted(bells.slots_of(schedule)) == [1, 2]
    page = deputy_client.get(reverse("schedule:bell_list")).content.decode()
    assert "Основное" in page and "09:25–10:10" in page


def test_overlapping_slots_rerender_the_page_with_the_message_and_save_nothing(world, deputy_client):
    data = {"name": "Основное", "shift": "1"} | slot_data([("1", "08:30", "09:15"), ("2", "09:00", "09:45")])
    response = deputy_client.post(reverse("schedule:bell_create"), data)
    assert response.status_code == 200
    assert "Lesson 1 (08:30–09:15) and lesson 2 (09:00–09:45) overlap." in response.content.decode()
    assert not BellSchedule.objects.exists()


def test_a_half_filled_row_and_a_second_default_show_next_to_their_fields(world, deputy_client):
    f.make_bells(world.school, name="Основное")
    data = {"name": "Другое", "shift": "1", "is_default": "on"} | slot_data([("1", "08:30", "")])
    response = deputy_client.post(reverse("schedule:bell_create"), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[0].non_field_errors() == [
        "Fill in the number and both times, or clear the row."
    ]
    data = {"name": "Другое", "shift": "1", "is_default": "on"} | slot_data([("1", "08:30", "09:00")])
    response = deputy_client.post(reverse("schedule:bell_create"), data)
    assert response.context["form"].errors["is_default"] == [
        "Shift 1 already uses «Основное» by default; untick it there first."
    ]
    assert BellSchedule.objects.count() == 1


def test_editing_a_schedule_replaces_its_slots(world, deputy_client):
    schedule = f.make_bells(world.school, name="Основное")
    url = reverse("schedule:bell_edit", args=[schedule.pk])
    assert deputy_client.get(url).status_code == 200
    data = {"name": "Основное", "shift": "1", "is_default": "on"} | slot_data([("1", "08:00", "08:40")])
    assert deputy_client.post(url, data).status_code == 302
    assert bells.slots_of(schedule) == {1: (t("08:00"), t("08:40"))}


def test_special_days_page(world, deputy_client):
    short = f.make_bells(world.school, name="Сокращённый", is_default=False)
    url = reverse("schedule:bellday_list")
    response = deputy_client.post(url, {"date": "2026-12-30", "shift": "2", "schedule": short.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["schedule"] == [
        "«Сокращённый» is a schedule of shift 1, not of shift 2."
    ]
    assert (
        deputy_client.post(url, {"date": "2026-12-30", "shift": "1", "schedule": short.pk}).status_code == 302
    )
    day = BellDay.objects.get()
    assert "Сокращённый" in deputy_client.get(url).content.decode()
    assert deputy_client.post(reverse("schedule:bellday_delete", args=[day.pk])).status_code == 302
    assert not BellDay.objects.exists()
