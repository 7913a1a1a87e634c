"""Consent to personal-data processing (R-ACC-8): recorded per person, withdrawn, and who lacks it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Consent, Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def lacking(client, **query):
    response = client.get(reverse("accounts:consent_missing"), query)
    assert response.status_code == 200
    return {p.pk for p in response.context["page"].object_list}


def test_record_consent_takes_the_person_off_the_list(client, login, world):
    login(world.admin)
    assert world.student.pk in lacking(client)
    response = client.post(
        reverse("accounts:consent_record", args=[world.student.pk]),
        {"document": "Согласие № 12", "signed_on": "2026-09-01"},
    )
    assert response.status_code == 302
    consent = Consent.objects.get(person=world.student)
    assert consent.recorded_by == world.admin.user and consent.signed_on == datetime.date(2026, 9, 1)
    assert consent.school == world.school
    assert AuditEvent.objects.filter(action="consent_recorded", object_id=str(consent.pk)).exists()
    assert world.student.pk not in lacking(client)
    assert world.parent.pk in lacking(client)


def test_back_to_the_list_after_recording_from_it(client, login, world):
    login(world.admin)
    response = client.post(
        reverse("accounts:consent_record", args=[world.parent.pk]),
        {"document": "С-2", "signed_on": "2026-09-01", "next": "missing"},
    )
    assert response["Location"] == reverse("accounts:consent_missing")


def test_withdrawn_consent_puts_the_person_back(client, login, world):
    login(world.admin)
    consent = Consent.objects.create(
        school=world.school,
        person=world.parent,
        document="С-3",
        signed_on=datetime.date(2026, 9, 1),
        recorded_by=world.admin.user,
    )
    assert world.parent.pk not in lacking(client)
    url = reverse("accounts:consent_withdraw", args=[consent.pk])
    early = client.post(url, {"withdrawn_on": "2026-08-01"})
    assert early.status_code == 200 and "withdrawn_on" in early.context["form"].errors
    response = client.post(url, {"withdrawn_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    assert world.parent.pk in lacking(client)
    assert AuditEvent.objects.filter(action="consent_withdrawn", object_id=str(consent.pk)).exists()


def test_bad_consent_input_is_refused(client, login, world):
    login(world.admin)
    url = reverse("accounts:consent_record", args=[world.student.pk])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    for data, field in [
        ({"document": "", "signed_on": "2026-09-01"}, "document"),
        ({"document": "С-1", "signed_on": tomorrow}, "signed_on"),
        ({"document": "С-1", "signed_on": "not a date"}, "signed_on"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 200 and field in response.context["form"].errors
    assert not Consent.objects.filter(person=world.student).exists()


def test_lacking_list_by_kind_and_rights(client, login, world):
    login(world.admin)
    pupils = lacking(client, kind="students")
    assert world.student.pk in pupils and world.parent.pk not in pupils
    login(world.deputy)
    assert client.get(reverse("accounts:consent_missing")).status_code == 200
    assert (
        client.post(
            reverse("accounts:consent_record", args=[world.student.pk]),
            {"document": "С-1", "signed_on": "2026-09-01"},
        ).status_code
        == 403
    )
    login(world.teacher)
    assert client.get(reverse("accounts:consent_missing")).status_code == 403


def test_consent_lets_personal_data_in(client, login, world):
    """R-ACC-8: contacts only after consent; the edit form says so next to the field."""
    login(world.admin)
    pupil = f.make_person(
        world.school, roles=[Role.STUDENT], login=False, last_name="Данных", first_name="Нет"
    )
    url = reverse("accounts:person_edit", args=[pupil.pk])
    data = {"last_name": "Данных", "first_name": "Нет", "roles": ["student"], "email": "a@example.ru"}
    refused = client.post(url, data)
    assert refused.status_code == 200 and "email" in refused.context["form"].errors
    client.post(
        reverse("accounts:consent_record", args=[pupil.pk]), {"document": "С-9", "signed_on": "2026-09-01"}
    )
    assert client.post(url, data).status_code == 302
    pupil.refresh_from_db()
    assert pupil.email == "a@example.ru"


@pytest.mark.now("2026-12-08 23:30+00:00")  # 02:30 on 9 December in Moscow, the school's zone
def test_today_is_the_schools_date_not_the_servers(world, settings):
    """A server kept in UTC is still on 8 December; the school (Europe/Moscow) is on the 9th: a consent
    signed on the 9th may be recorded and counts at once, on the people list and the person's card."""
    from accounts import selectors
    from accounts.services import people
    from schedule import selectors_people
    from tests.journal import actor

    settings.TIME_ZONE = "UTC"
    assert world.school.timezone == "Europe/Moscow" and timezone.localdate() == datetime.date(2026, 12, 8)
    ninth = datetime.date(2026, 12, 9)
    people.record_consent(actor=actor(world.admin), person=world.student, document="С-9", signed_on=ninth)
    assert selectors.has_valid_consent(world.student)
    assert world.student in selectors.people_list(world.school, consent=selectors.CONSENT_YES)
    assert world.student not in selectors_people.people_without_consent(world.school)
    assert selectors.person_card(world.student).has_consent
    assert selectors_people.person_card(world.student).has_consent
