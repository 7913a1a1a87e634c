"""The district operator creates a school and its first admin, who joins with the code."""

import pytest
from django.urls import reverse

from accounts.models import InviteCode, Person, Role, School, hash_code
from tests import factories as f

pytestmark = pytest.mark.django_db

FORM = {
    "name": "МБОУ «Средняя общеобразовательная школа № 7»",
    "short_name": "СОШ № 7",
    "slug": "sosh-7",
    "timezone": "Asia/Yekaterinburg",
    "admin_last_name": "Колесникова",
    "admin_first_name": "Ирина",
    "admin_patronymic": "Олеговна",
    "admin_email": "kolesnikova@example.ru",
}


def test_operator_creates_school_with_first_admin_code(client, operator):
    f.verified_login(client, operator)
    response = client.post(reverse("accounts:operator_school_create"), FORM)
    assert response.status_code == 200
    code = response.context["code"]
    school = School.objects.get(slug="sosh-7")
    admin = Person.objects.get(school=school, last_name="Колесникова")
    assert admin.staff_roles.filter(role=Role.ADMIN).exists()
    invite = InviteCode.objects.get(code_hash=hash_code(code))
    assert invite.person == admin and invite.role == Role.ADMIN and invite.is_usable()
    assert code in response.content.decode()
    listing = client.get(reverse("accounts:operator_schools"))
    assert "sosh-7" in listing.content.decode()


@pytest.mark.parametrize(
    "field,value",
    [
        ("slug", "не латиница"),
        ("timezone", "Mars/Olympus"),
        ("admin_last_name", ""),
        ("admin_email", "not-an-email"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(client, operator, field, value):
    f.verified_login(client, operator)
    response = client.post(reverse("accounts:operator_school_create"), {**FORM, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not School.objects.filter(slug="sosh-7").exists()


def test_duplicate_school_code_is_refused(client, operator, world):
    f.verified_login(client, operator)
    response = client.post(reverse("accounts:operator_school_create"), {**FORM, "slug": world.school.slug})
    assert response.context["form"].errors["slug"]
    assert School.objects.filter(slug=world.school.slug).count() == 1
