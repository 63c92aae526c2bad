"""Sessions end after SESSION_IDLE_SECONDS without a request (a shared computer left
unattended) and SESSION_COOKIE_AGE after login however active; the next request goes to the
login page (htmx: the whole page, through HX-Redirect)."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from tests.conftest import PASSWORD

START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, alice, clock):
    client.force_login(alice)
    assert client.get(reverse("dossiers:dossier_list")).status_code == 200
    return client


def test_idle_too_long_goes_to_the_login_page(signed_in, clock, alice):
    clock.shift(settings.SESSION_IDLE_SECONDS + 1)
    page = reverse("dossiers:dossier_list")
    response = signed_in.get(page)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={page}"
    # Logged out for good: the next request is anonymous too, and the log says why.
    assert "_auth_user_id" not in signed_in.session
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT).get()
    assert event.username == "alice" and "inactivité" in event.detail


def test_activity_within_the_limit_keeps_the_session(signed_in, clock):
    for _ in range(4):
        clock.shift(settings.SESSION_IDLE_SECONDS - 60)
        assert signed_in.get(reverse("dossiers:dossier_list")).status_code == 200


def test_an_htmx_request_after_expiry_gets_hx_redirect(signed_in, clock, dossier):
    clock.shift(settings.SESSION_IDLE_SECONDS + 1)
    page = reverse("dossiers:dossier_detail", args=[dossier.pk])
    response = signed_in.get(
        reverse("work:dossier_jobs", args=[dossier.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{page}",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{reverse('login')}?next={page}"
    assert not response.content


def test_a_session_ends_after_its_maximum_age_however_active(signed_in, clock):
    steps = settings.SESSION_COOKIE_AGE // (settings.SESSION_IDLE_SECONDS - 60)
    for _ in range(steps):
        clock.shift(settings.SESSION_IDLE_SECONDS - 60)
        assert signed_in.get(reverse("dossiers:dossier_list")).status_code == 200
    clock.shift(settings.SESSION_IDLE_SECONDS - 60)
    response = signed_in.get(reverse("dossiers:dossier_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logging_in_again_after_expiry_works(signed_in, clock, alice):
    clock.shift(settings.SESSION_IDLE_SECONDS + 1)
    signed_in.get(reverse("dossiers:dossier_list"))
    response = signed_in.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in.get(reverse("dossiers:dossier_list")).status_code == 200
