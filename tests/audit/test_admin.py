"""The audit log in the admin: admins search it (username, dossier, object, address, date)
and export it as CSV (the export is itself recorded); nobody adds, changes or deletes an
event there; only staff with the permission get in.

And the admin's pages on patient objects: care teams are managed there, no clinical text is
shown, and every page opened is a read in the log."""

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import Action, audit_record
from dossiers.models import DossierMember
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.protocols.test_admin import form_data

CHANGELIST = "admin:audit_auditevent_changelist"


# The app that holds each model in the admin.
ADMIN_APP = {
    "consultation": "dossiers",
    "recording": "dossiers",
    "dossier": "dossiers",
    "patient": "dossiers",
    "report": "reports",
    "reportsection": "reports",
    "sectionversion": "reports",
    "pipelinejob": "transcription",
    "transcript": "transcription",
    "segment": "transcription",
}


@pytest.fixture
def eve(db):
    return UserFactory(username="eve", is_staff=True, is_superuser=True)


@pytest.fixture
def events(alice, bob):
    return [
        audit_record(user=alice, action=Action.READ, object_type="dossier", object_id=9012),
        audit_record(
            user=alice, action=Action.READ, object_type="report", object_id=3, dossier_id=9012
        ),
        audit_record(user=bob, action=Action.READ, object_type="dossier", object_id=19012),
        audit_record(
            user=None,
            action=Action.LOGIN_FAILED,
            object_type="session",
            detail="=cmd|' /C calc'!A0",
        ),
    ]


def listed(client, **query) -> list[AuditEvent]:
    response = client.get(reverse(CHANGELIST), query)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_search_by_username(client, eve, events):
    client.force_login(eve)
    assert set(listed(client, q="alice")) == set(events[:2])


def test_search_by_dossier_or_object_id_is_exact(client, eve, events):
    client.force_login(eve)
    # Dossier 9012's events (by dossier id or as the object itself), not object 19012's.
    assert set(listed(client, q="9012")) == set(events[:2])
    assert listed(client, q="19012") == [events[2]]


def test_search_by_address(client, eve, events):
    client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    login = AuditEvent.objects.get(action=Action.LOGIN, username="alice")
    client.force_login(eve)
    assert listed(client, q="198.51.100") == [login]


def test_filters_and_date_hierarchy(client, eve, events):
    """The date hierarchy converts to the local time zone in the database (Europe/Paris),
    which SQLite and PostgreSQL both know."""
    client.force_login(eve)
    today = timezone.localdate()
    by_day = listed(
        client,
        created_at__year=today.year,
        created_at__month=today.month,
        created_at__day=today.day,
    )
    assert set(by_day) >= set(events)
    assert listed(client, created_at__year=today.year - 1) == []
    assert set(listed(client, action="login_failed")) == {events[3]}
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "Aujourd’hui" in page or "Aujourd'hui" in page  # the date filter


def test_export_as_csv_is_recorded(client, eve, events):
    client.force_login(eve)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [e.pk for e in events], "index": 0},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["object_id"] for row in rows] == ["9012", "3", "19012", ""]
    assert rows[0]["username"] == "alice" and rows[1]["dossier_id"] == "9012"
    # A value a spreadsheet would run as a formula is written as text.
    assert rows[3]["detail"].startswith("'=")
    export = AuditEvent.objects.get(action=Action.EXPORT)
    assert export.username == "eve" and export.detail.startswith("4 événements exportés")
    assert export.method == "POST"


def test_non_staff_cannot_reach_the_log(client, alice, events):
    client.force_login(alice)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_permission_cannot_reach_the_log(client, db, events):
    staff = UserFactory(username="configurateur", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    assert client.get(reverse(CHANGELIST)).status_code == 200


def test_nobody_adds_changes_or_deletes_an_event(client, eve, events):
    client.force_login(eve)
    event = events[0]
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200  # read-only
    assert 'name="username"' not in page.content.decode()
    assert client.post(change, {"username": "x"}).status_code == 403
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [event.pk], "post": "yes"},
    )
    AuditEvent.objects.get(pk=event.pk)
    assert AuditEvent.objects.get(pk=event.pk).username == "alice"


# --- Patient objects in the admin ---------------------------------------------------------


@pytest.fixture
def admin_client(client, db, world, world_media):
    client.force_login(world.users["eve"])
    return client


def test_opening_a_dossier_in_the_admin_is_a_read(admin_client, world):
    url = reverse("admin:dossiers_dossier_change", args=[world.dossier.pk])
    page = admin_client.get(url, REMOTE_ADDR="192.0.2.44")
    assert page.status_code == 200
    event = AuditEvent.objects.get(action=Action.READ, path=url)
    assert (event.username, event.object_type) == ("eve", "dossier")
    assert event.dossier_id == world.dossier.pk and event.ip_address == "192.0.2.44"
    assert "administration" in event.detail


@pytest.mark.parametrize(
    ("model", "obj"),
    [("consultation", "consultation"), ("recording", "recording"), ("report", "report")],
)
def test_every_patient_object_page_is_a_read(admin_client, world, model, obj):
    target = getattr(world, obj)
    url = reverse(f"admin:{ADMIN_APP[model]}_{model}_change", args=[target.pk])
    assert admin_client.get(url).status_code == 200
    event = AuditEvent.objects.get(action=Action.READ, path=url)
    assert event.object_id == str(target.pk) and event.dossier_id == world.dossier.pk


def test_lists_are_reads_too(admin_client, world):
    url = reverse("admin:dossiers_dossier_changelist")
    assert admin_client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action=Action.READ, path=url, username="eve").exists()


def test_no_clinical_text_in_the_admin(admin_client, world):
    section = world.report.sections.get(key="communication")
    segment = world.recording.transcript.segments.first()
    pages = [
        reverse("admin:reports_report_change", args=[world.report.pk]),
        reverse("admin:dossiers_recording_change", args=[world.recording.pk]),
        reverse("admin:dossiers_dossier_change", args=[world.dossier.pk]),
        reverse("admin:dossiers_consultation_change", args=[world.consultation.pk]),
    ]
    for url in pages:
        html = admin_client.get(url).content.decode()
        assert section.body[:40] not in html
        assert segment.text[:30] not in html
        assert world.recording.original_name not in html
    for name in ("reportsection", "transcript", "segment", "sectionversion", "patient"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:{ADMIN_APP[name]}_{name}_changelist")


def test_patient_objects_are_read_only_in_the_admin(admin_client, world):
    for model in ("consultation", "recording", "report", "pipelinejob", "dossier"):
        assert admin_client.get(reverse(f"admin:{ADMIN_APP[model]}_{model}_add")).status_code == 403
    delete = reverse("admin:reports_report_delete", args=[world.report.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:dossiers_consultation_change", args=[world.consultation.pk])
    assert admin_client.post(change, {"participants": "x"}).status_code == 403


def test_admins_manage_the_care_team_and_it_is_recorded(admin_client, world):
    newcomer = UserFactory(username="orthophoniste")
    url = reverse("admin:dossiers_dossier_change", args=[world.dossier.pk])
    data = form_data(admin_client.get(url), "dossier_form")
    prefix = "members"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(total + 1),
            f"{prefix}-{total}-user": str(newcomer.pk),
            f"{prefix}-{total}-role": DossierMember.Role.EXTERNAL,
            f"{prefix}-{total}-dossier": str(world.dossier.pk),
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    member = DossierMember.objects.get(dossier=world.dossier, user=newcomer)
    assert member.role == DossierMember.Role.EXTERNAL
    event = AuditEvent.objects.get(action=Action.UPDATE, path=url)
    assert event.username == "eve" and event.dossier_id == world.dossier.pk
    assert event.detail == f"équipe (administration) : utilisateur {newcomer.pk} ajouté (external)"
