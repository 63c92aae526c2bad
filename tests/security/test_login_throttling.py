"""django-axes through the real login form: five wrong passwords lock that username from
that address for the cool-off time, with a French page saying so; other users and other
addresses are not locked."""

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

LOGIN = "/comptes/connexion/"


def attempt(client, username: str, password: str, *, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_enough(client, username: str, *, ip: str = "10.0.0.1") -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, username, "wrong password", ip=ip)
        assert response.status_code == 200  # the form again, with its error
        assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    # The last failure allowed: the lock starts with it.
    assert (
        attempt(client, username, "wrong password", ip=ip).status_code == 429
    )  # axes answers "Too Many Requests"


def test_the_login_form_is_the_one_checked():
    assert reverse("login") == LOGIN


def test_five_failures_lock_the_account_from_that_address(client, alice):
    fail_enough(client, "alice")
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 429  # axes answers "Too Many Requests"
    html = response.content.decode()
    assert "Connexion bloquée" in html
    assert "Réessayez dans 15 minutes" in html
    assert '<html lang="fr">' in html
    assert "_auth_user_id" not in client.session


def test_four_failures_then_the_right_password_logs_in(client, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "alice", "wrong password")
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:dossier_list")


def test_another_user_from_the_same_address_is_not_locked(client, alice, charlie):
    fail_enough(client, "alice")
    response = attempt(client, "charlie", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:dossier_list")


def test_the_same_user_from_another_address_is_not_locked(client, alice):
    fail_enough(client, "alice", ip="10.0.0.1")
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.2").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, alice):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        fail_enough(client, "alice")
        assert (
            attempt(client, "alice", PASSWORD).status_code == 429
        )  # axes answers "Too Many Requests"
        traveller.shift(settings.AXES_COOLOFF_TIME * 3600 + 60)
        assert attempt(client, "alice", PASSWORD).status_code == 302


@pytest.mark.parametrize("forged", ["10.9.9.9", "garbage", "10.9.9.9, 10.8.8.8"])
def test_a_forged_forwarded_header_does_not_dodge_the_lock(client, alice, settings, forged):
    """Behind the proxy, the client is the last X-Forwarded-For entry (the one the proxy
    appends): entries a client puts before it change nothing."""
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    proxy = {"REMOTE_ADDR": "172.18.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "alice", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="10.0.0.1",
            **proxy,
        )
    response = client.post(
        LOGIN,
        {"username": "alice", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR=f"{forged}, 10.0.0.1",
        **proxy,
    )
    assert response.status_code == 429  # axes answers "Too Many Requests"
