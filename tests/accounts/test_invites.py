"""Invite codes (R-ACC-1) and the class login slips PDF (R-ACC-2)."""

import re
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, InviteCode, Person, Role, hash_code
from tests import factories as f

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b")


def newcomers(world):
    """Two students of 5А without logins, a mother of both and a father of one; one student of 6Б."""
    a = f.make_person(
        world.school,
        roles=[Role.STUDENT],
        login=False,
        last_name="Новикова",
        first_name="Алиса",
        patronymic="Петровна",
    )
    b = f.make_person(
        world.school,
        roles=[Role.STUDENT],
        login=False,
        last_name="Новиков",
        first_name="Борис",
        patronymic="Петрович",
    )
    c = f.make_person(world.school, roles=[Role.STUDENT], login=False, last_name="Шестов", first_name="Вадим")
    f.enroll(a, world.class_5a)
    f.enroll(b, world.class_5a)
    f.enroll(c, world.class_6b)
    mum = f.make_person(
        world.school,
        roles=[Role.PARENT],
        login=False,
        last_name="Новикова",
        first_name="Мария",
        patronymic="Ивановна",
    )
    dad = f.make_person(
        world.school,
        roles=[Role.PARENT],
        login=False,
        last_name="Новиков",
        first_name="Пётр",
        patronymic="Сергеевич",
    )
    f.link_parent(mum, a)
    f.link_parent(mum, b)
    f.link_parent(dad, a, "father")
    return a, b, c, mum, dad


def issued_code(response) -> str:
    assert response.status_code == 200
    match = CODE_RE.search(response.content.decode())
    assert match, "the issued page shows the code"
    return match.group(0)


def redeem(code: str, username: str) -> Client:
    """Go through the join pages with a fresh browser; returns the signed-in client."""
    c = Client()
    assert c.post(reverse("join:start"), {"code": code}).status_code == 302
    response = c.post(
        reverse("join:account"),
        {"username": username, "password": "Kvadrat-1977!", "password2": "Kvadrat-1977!"},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return c


def test_admin_issues_a_code_shown_once_and_stored_as_hash(client, login, world):
    _a, _b, _c, mum, _dad = newcomers(world)
    login(world.admin)
    url = reverse("accounts:invite_issue", args=[mum.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"role": "parent"})
    code = issued_code(response)
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    invite = InviteCode.objects.get(person=mum)
    assert invite.code_hash == hash_code(code) and code not in invite.code_hash
    assert invite.issued_by == world.admin.user and invite.role == "parent" and invite.is_usable()
    assert AuditEvent.objects.filter(action="invite_issued", object_id=str(invite.pk)).exists()
    # Nowhere else: the person's page shows the status, not the code.
    page = client.get(reverse("accounts:person_detail", args=[mum.pk])).content.decode()
    assert code not in page


def test_the_issue_page_preselects_the_only_role(client, login, world):
    """The form a browser submits as it is: a single role travels in a hidden field."""
    _a, _b, _c, mum, _dad = newcomers(world)
    login(world.admin)
    page = client.get(reverse("accounts:invite_issue", args=[mum.pk]))
    assert 'type="hidden" name="role" value="parent"' in page.content.decode()
    issued_code(client.post(reverse("accounts:invite_issue", args=[mum.pk]), {"role": "parent"}))


def test_new_code_revokes_the_previous_unused_one(client, login, world, settings):
    _a, _b, _c, mum, _dad = newcomers(world)
    login(world.admin)
    url = reverse("accounts:invite_issue", args=[mum.pk])
    first = issued_code(client.post(url, {"role": "parent"}))
    second = issued_code(client.post(url, {"role": "parent"}))
    old, new = (
        InviteCode.objects.get(code_hash=hash_code(first)),
        InviteCode.objects.get(code_hash=hash_code(second)),
    )
    assert old.revoked_at is not None and new.revoked_at is None
    assert (new.expires_at - new.created_at).days == settings.INVITE_CODE_DAYS


def test_admin_issues_for_staff_and_no_code_for_a_login_holder(client, login, world):
    login(world.admin)
    newbie = f.make_person(
        world.school, roles=[Role.TEACHER], login=False, last_name="Новенькая", first_name="Яна"
    )
    page = client.get(reverse("accounts:invites"))
    assert "Новенькая Яна" in page.content.decode()
    issued_code(client.post(reverse("accounts:invite_issue", args=[newbie.pk]), {"role": "teacher"}))
    response = client.post(reverse("accounts:invite_issue", args=[world.teacher.pk]), {"role": "teacher"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not InviteCode.objects.filter(person=world.teacher).exists()


def test_class_teacher_issues_for_own_class_only(client, login, world):
    a, _b, c, mum, _dad = newcomers(world)
    login(world.class_teacher)
    assert client.get(reverse("accounts:invites")).status_code == 200
    assert client.get(reverse("accounts:invite_class", args=[world.class_5a.pk])).status_code == 200
    assert client.get(reverse("accounts:invite_class", args=[world.class_6b.pk])).status_code == 403
    issued_code(client.post(reverse("accounts:invite_issue", args=[a.pk]), {"role": "student"}))
    issued_code(client.post(reverse("accounts:invite_issue", args=[mum.pk]), {"role": "parent"}))
    assert client.post(reverse("accounts:invite_issue", args=[c.pk]), {"role": "student"}).status_code == 403
    newbie = f.make_person(
        world.school, roles=[Role.TEACHER], login=False, last_name="Новенькая", first_name="Яна"
    )
    assert (
        client.post(reverse("accounts:invite_issue", args=[newbie.pk]), {"role": "teacher"}).status_code
        == 403
    )
    assert not InviteCode.objects.filter(person__in=[c, newbie]).exists()


def test_teacher_who_leads_no_class_sees_an_explanation(client, login, world):
    newcomers(world)
    login(world.teacher)
    response = client.get(reverse("accounts:invites"))
    assert response.status_code == 200 and response.context["classes"] == []
    assert client.get(reverse("accounts:invite_class", args=[world.class_5a.pk])).status_code == 403
    assert client.post(reverse("accounts:invite_class_slips", args=[world.class_5a.pk])).status_code == 403


def test_class_slips_pdf_has_every_newcomer_and_each_code_redeems(client, login, world, tmp_path):
    a, b, c, mum, dad = newcomers(world)
    login(world.class_teacher)
    response = client.post(reverse("accounts:invite_class_slips", args=[world.class_5a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    pdf = tmp_path / "slips.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for person in (a, b, mum, dad):
        assert person.full_name in flat, person.full_name
    assert "Шестов" not in flat  # 6Б is not in the PDF
    assert world.student.full_name not in flat  # she already has a login
    codes = CODE_RE.findall(text)
    assert len(codes) == 4 == InviteCode.objects.filter(used_at=None, revoked_at=None).count()
    assert "/join/" in text

    # Each printed code redeems; the mother of two gets one slip.
    by_person = {InviteCode.objects.get(code_hash=hash_code(code)).person_id: code for code in codes}
    assert set(by_person) == {a.pk, b.pk, mum.pk, dad.pk}
    for n, (person_pk, code) in enumerate(by_person.items()):
        redeem(code, f"newcomer{n}")
        assert Person.objects.get(pk=person_pk).user.username == f"newcomer{n}"
    assert AuditEvent.objects.filter(action="invite_slips_issued", object_id=str(world.class_5a.pk)).exists()


def test_reprinting_slips_revokes_the_earlier_codes(client, login, world):
    a, *_ = newcomers(world)
    login(world.admin)
    url = reverse("accounts:invite_class_slips", args=[world.class_5a.pk])
    client.post(url)
    first = set(InviteCode.objects.filter(person=a).values_list("pk", flat=True))
    client.post(url)
    assert InviteCode.objects.filter(pk__in=first, revoked_at__isnull=False).count() == len(first) == 1
    assert InviteCode.objects.filter(person=a, revoked_at=None).count() == 1


def test_class_teacher_cannot_print_another_class(client, login, world, other_world):
    newcomers(world)
    login(world.class_teacher)
    assert client.post(reverse("accounts:invite_class_slips", args=[world.class_6b.pk])).status_code == 403
    assert (
        client.post(reverse("accounts:invite_class_slips", args=[other_world.class_5a.pk])).status_code == 404
    )
    assert not InviteCode.objects.exists()


def test_slips_for_a_class_where_everyone_has_a_login(client, login, world):
    login(world.admin)
    response = client.post(reverse("accounts:invite_class_slips", args=[world.class_5a.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:invite_class", args=[world.class_5a.pk]
    )
    assert not InviteCode.objects.exists()


def test_directors_issue_nothing(client, login, world):
    a, *_ = newcomers(world)
    login(world.director)
    assert client.get(reverse("accounts:invites")).status_code == 403
    assert client.post(reverse("accounts:invite_issue", args=[a.pk]), {"role": "student"}).status_code == 403


def staff_parent(world):
    """A deputy director without a login whose son is in 5А: a parent of the class and staff at once."""
    son = f.make_person(
        world.school, roles=[Role.STUDENT], login=False, last_name="Завучев", first_name="Гоша"
    )
    f.enroll(son, world.class_5a)
    deputy = f.make_person(
        world.school, roles=[Role.DEPUTY, Role.PARENT], login=False, last_name="Завучева", first_name="Ольга"
    )
    f.link_parent(deputy, son)
    return son, deputy


def test_class_teacher_cannot_issue_a_parent_code_for_staff(client, login, world):
    """A login opens the whole person: a parent code from the class teacher would give the deputy's roles."""
    _son, deputy = staff_parent(world)
    login(world.class_teacher)
    response = client.post(reverse("accounts:invite_issue", args=[deputy.pk]), {"role": "parent"})
    assert response.status_code == 200
    assert "код ему выдаёт только администратор школы" in str(response.context["form"].errors)
    assert not InviteCode.objects.filter(person=deputy).exists()
    refusal = AuditEvent.objects.get(action="invite_refused", object_id=str(deputy.pk))
    assert refusal.actor == world.class_teacher.user and refusal.school == world.school
    # The admin may: their codes may open staff roles.
    login(world.admin)
    issued_code(client.post(reverse("accounts:invite_issue", args=[deputy.pk]), {"role": "parent"}))


def test_class_slips_leave_out_a_parent_who_is_staff(client, login, world, tmp_path):
    son, deputy = staff_parent(world)
    login(world.class_teacher)
    response = client.post(reverse("accounts:invite_class_slips", args=[world.class_5a.pk]))
    assert response.status_code == 200
    assert InviteCode.objects.filter(person=son).exists()
    assert not InviteCode.objects.filter(person=deputy).exists()
    assert AuditEvent.objects.filter(action="invite_refused", object_id=str(deputy.pk)).exists()
    login(world.admin)
    assert client.post(reverse("accounts:invite_class_slips", args=[world.class_5a.pk])).status_code == 200
    assert InviteCode.objects.filter(person=deputy, revoked_at=None).exists()


QUERY_WITH_CODE = re.compile(r"\?[^\s\"'#]*code=", re.I)


def test_the_issued_page_carries_the_code_in_no_query_string(client, login, world, settings):
    """Access logs keep query strings: the QR link carries the code in the fragment, which no browser sends."""
    from accounts.pdf import qr_data_uri

    _a, _b, _c, mum, _dad = newcomers(world)
    login(world.admin)
    response = client.post(reverse("accounts:invite_issue", args=[mum.pk]), {"role": "parent"})
    code = issued_code(response)
    html = response.content.decode()
    assert not QUERY_WITH_CODE.search(html)
    join = settings.SITE_URL + reverse("join:start")
    assert f'src="{qr_data_uri(f"{join}#code={code}")}"' in html
    assert qr_data_uri(f"{join}?code={code}") not in html


def test_the_slips_qr_codes_carry_the_code_in_the_fragment(client, login, world, monkeypatch, settings):
    """Every QR payload printed on the slips: the join page with #code=…, never ?code=…."""
    from accounts.views import invites

    payloads = []
    real = invites.qr_data_uri
    monkeypatch.setattr(
        invites, "qr_data_uri", lambda text, *a, **k: payloads.append(text) or real(text, *a, **k)
    )
    newcomers(world)
    login(world.class_teacher)
    assert client.post(reverse("accounts:invite_class_slips", args=[world.class_5a.pk])).status_code == 200
    join = settings.SITE_URL + reverse("join:start")
    assert len(payloads) == 4
    for text in payloads:
        assert "?" not in text and re.fullmatch(re.escape(join) + r"#code=" + CODE_RE.pattern[2:-2], text), (
            text
        )
