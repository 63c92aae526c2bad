"""Every page a user can reach carries the Content-Security-Policy, and its script-src
allows no inline script: an injected <script> or onerror= would not run even if a template
let it through."""

import pytest
from django.urls import reverse

PAGES = [
    ("login", None),
    ("dossier_list", "alice"),
    ("dossier_detail", "alice"),
    ("report_detail", "alice"),
    ("dossier_shared", "dave"),
    ("admin_index", "eve"),
    ("audit_changelist", "eve"),
    ("consultation_admin", "eve"),
]


def _url(page: str, world) -> str:
    return {
        "login": reverse("login"),
        "dossier_list": reverse("dossiers:dossier_list"),
        "dossier_detail": reverse("dossiers:dossier_detail", args=[world.dossier.pk]),
        "report_detail": reverse("drafting:report_detail", args=[world.report.pk]),
        "dossier_shared": reverse("dossiers:dossier_detail", args=[world.dossier.pk]),
        "admin_index": reverse("admin:index"),
        "audit_changelist": reverse("admin:audit_auditevent_changelist"),
        "consultation_admin": reverse(
            "admin:dossiers_consultation_change", args=[world.consultation.pk]
        ),
    }[page]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize(("page", "user"), PAGES)
def test_pages_carry_a_strict_policy(client, db, world, world_media, page, user):
    if user:
        client.force_login(world.users[user])
    response = client.get(_url(page, world))
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    script_src = policy.get("script-src", policy["default-src"])
    assert script_src == ["'self'"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_a_refusal_carries_it_too(client, db, world):
    client.force_login(world.users["bob"])
    missing = client.get(reverse("dossiers:dossier_detail", args=[world.dossier.pk]))
    assert missing.status_code == 404
    assert "'unsafe-inline'" not in missing["Content-Security-Policy"]
