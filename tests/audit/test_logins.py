"""Logins, failed logins (with the username tried, never the password) and logouts are in
the audit log, with the address they came from."""

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from tests.conftest import PASSWORD

Action = AuditEvent.Action
FROM = {"REMOTE_ADDR": "203.0.113.5", "HTTP_USER_AGENT": "Chromium/140"}


def log_in(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_a_login(client, alice):
    assert log_in(client, "alice", PASSWORD, **FROM).status_code == 302
    event = AuditEvent.objects.get(action=Action.LOGIN)
    assert (event.user_id, event.username, event.object_type) == (alice.pk, "alice", "session")
    assert (event.ip_address, event.user_agent) == ("203.0.113.5", "Chromium/140")
    assert (event.method, event.path) == ("POST", reverse("login"))


def test_a_failed_login_keeps_the_username_tried_never_the_password(client, alice):
    password = "Tr0ub4dor&3-guess"
    assert log_in(client, "alice", password, **FROM).status_code == 200
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.user_id is None and event.username == ""
    assert event.detail == "alice"
    assert event.ip_address == "203.0.113.5"
    for stored in AuditEvent.objects.values_list():
        assert not any(password in str(value) for value in stored)


def test_an_unknown_username_is_recorded_too(client, db):
    log_in(client, "admin", "admin", **FROM)
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).detail == "admin"


def test_a_locked_out_attempt_says_so(client, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "alice", "wrong", **FROM)
    log_in(client, "alice", PASSWORD, **FROM)
    last = AuditEvent.objects.filter(action=Action.LOGIN_FAILED).order_by("pk").last()
    assert last.detail == "alice (bloqué)"
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()


def test_a_logout(client, alice):
    log_in(client, "alice", PASSWORD)
    client.post(reverse("logout"), **FROM)
    event = AuditEvent.objects.get(action=Action.LOGOUT)
    assert (event.username, event.ip_address) == ("alice", "203.0.113.5")


@pytest.mark.parametrize(
    ("forwarded", "recorded"),
    [
        ("203.0.113.9", "203.0.113.9"),
        # A client's own entries come first; the proxy appends the address it saw.
        ("10.6.6.6, 203.0.113.9", "203.0.113.9"),
        # Not an address: the proxy's own address rather than a broken insert.
        ("<script>", "172.18.0.2"),
    ],
)
def test_behind_the_proxy_the_address_is_the_one_it_saw(
    client, alice, settings, forwarded, recorded
):
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    log_in(client, "alice", PASSWORD, REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert AuditEvent.objects.get(action=Action.LOGIN).ip_address == recorded


def test_without_the_proxy_setting_the_header_is_ignored(client, alice):
    log_in(client, "alice", PASSWORD, REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR="10.6.6.6")
    assert AuditEvent.objects.get(action=Action.LOGIN).ip_address == "172.18.0.2"
