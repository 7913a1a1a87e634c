"""403, 404 and 500 pages in the portal's look, in Russian."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from ejournal.views import server_error

pytestmark = pytest.mark.django_db


def test_404_page(client, world):
    client.force_login(world.parent.user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Такой страницы нет" in html and "На главную" in html and 'class="topbar"' in html


def test_403_page(client, world):
    client.force_login(world.student.user)
    response = client.get(reverse("schedule:setup"))
    assert response.status_code == 403
    assert "У вас нет доступа к этой странице" in response.content.decode()


def test_500_page_renders_without_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Что-то пошло не так" in response.content.decode()
