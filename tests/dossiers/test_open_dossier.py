"""Who may open a dossier: an account an admin granted ``dossiers.open_dossier`` (in practice
the group « Cliniciens »). Coordinators, external professionals and plain accounts get a
403 and no dossier; the list offers « Nouveau dossier » only to those who may."""

from importlib import import_module

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier, DossierMember
from dossiers.permissions import CLINICIANS_GROUP
from tests.factories import UserFactory
from tests.protocols.test_admin import form_data

CREATE_URL = reverse("dossiers:dossier_create")


def dossier_data(protocol) -> dict:
    return {"initials": "AB", "birth_date": "2020-03-14", "sex": "F", "protocols": [protocol.pk]}


@pytest.fixture
def dave(dossier):
    """An external speech therapist in alice's care team (an invited account)."""
    dave = UserFactory(username="dave", first_name="Dave", last_name="Externe")
    services.dossier_member_add(dossier=dossier, user=dave, role=DossierMember.Role.EXTERNAL)
    return dave


@pytest.fixture
def frank(db):
    """A signed-in account with no role anywhere and no permission."""
    return UserFactory(username="frank")


def test_a_clinician_granted_the_right_opens_a_dossier(client, alice, protocol):
    client.force_login(alice)
    assert client.get(CREATE_URL).status_code == 200
    response = client.post(CREATE_URL, dossier_data(protocol))
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.members.get().user == alice


@pytest.mark.parametrize("username", ["charlie", "dave", "frank"])
def test_others_are_refused_and_no_dossier_is_made(client, request, dossier, protocol, username):
    user = request.getfixturevalue(username)
    client.force_login(user)
    before = Dossier.objects.count()
    assert client.get(CREATE_URL).status_code == 403
    response = client.post(CREATE_URL, dossier_data(protocol))
    assert response.status_code == 403
    assert Dossier.objects.count() == before
    assert not DossierMember.objects.filter(user=user, role=DossierMember.Role.CLINICIAN).exists()


def test_a_superuser_is_not_a_clinician_by_being_one(client, admin_user, protocol):
    client.force_login(admin_user)
    assert client.post(CREATE_URL, dossier_data(protocol)).status_code == 403
    assert not Dossier.objects.exists()


def test_the_service_refuses_too(charlie, protocol):
    with pytest.raises(services.ServiceError, match="réservé aux cliniciens"):
        services.dossier_create(
            initials="AB", birth_date=None, sex="F", protocols=[protocol], created_by=charlie
        )
    assert not Dossier.objects.exists()


def test_the_list_offers_a_new_dossier_only_to_those_who_may(client, alice, charlie, dossier):
    client.force_login(alice)
    assert CREATE_URL in client.get(reverse("dossiers:dossier_list")).content.decode()
    client.force_login(charlie)
    page = client.get(reverse("dossiers:dossier_list")).content.decode()
    assert "Nouveau dossier" not in page and CREATE_URL not in page


def test_an_admin_puts_an_account_in_the_clinicians_group_and_it_may(
    client, admin_client, frank, protocol
):
    client.force_login(frank)
    assert client.post(CREATE_URL, dossier_data(protocol)).status_code == 403

    url = reverse("admin:auth_user_change", args=[frank.pk])
    data = form_data(admin_client.get(url), "user_form")
    del data["user_permissions"]  # an empty multiple select sends nothing
    data["groups"] = [Group.objects.get(name=CLINICIANS_GROUP).pk]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]

    response = client.post(CREATE_URL, dossier_data(protocol))
    assert response.status_code == 302
    assert Dossier.objects.get().members.get().user == frank


def test_the_right_can_be_granted_to_one_account(client, frank, protocol):
    frank.user_permissions.add(
        Permission.objects.get(content_type__app_label="dossiers", codename="open_dossier")
    )
    client.force_login(frank)
    assert client.post(CREATE_URL, dossier_data(protocol)).status_code == 302


def test_the_command_line_operator_opens_dossiers(protocol):
    operator = services.cli_operator_get()
    assert not operator.is_active
    dossier = services.dossier_create(
        initials="CD", birth_date=None, sex="X", protocols=[protocol], created_by=operator
    )
    assert dossier.members.get().user == operator


# --- The migration: today's clinicians keep the right ----------------------------------------

BEFORE = ("reports", "0008_signed_care_plans_immutable")
AFTER = ("reports", "0009_dossier_open_permission")


def _migrate(target) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_migration_puts_every_clinician_in_the_group_and_reverses():
    executor = _migrate(BEFORE)
    apps = executor.loader.project_state([BEFORE]).apps
    User = apps.get_model("auth", "User")
    Patient = apps.get_model("reports", "Patient")
    Dossier_ = apps.get_model("reports", "Dossier")
    Member = apps.get_model("reports", "DossierMember")
    users = {name: User.objects.create(username=name) for name in ("ana", "cyril", "ed", "zoe")}
    # ana is the clinician of two dossiers; cyril coordinates; ed is external; zoe is nobody.
    for initials in ("AA", "BB"):
        dossier = Dossier_.objects.create(
            patient=Patient.objects.create(initials=initials, code=f"P-{initials}"),
            created_by=users["ana"],
        )
        Member.objects.create(dossier=dossier, user=users["ana"], role="clinician")
    Member.objects.create(dossier=dossier, user=users["cyril"], role="coordinator")
    Member.objects.create(dossier=dossier, user=users["ed"], role="external")
    assert not Group.objects.filter(name=CLINICIANS_GROUP).exists()

    _migrate(AFTER)
    group = Group.objects.get(name=CLINICIANS_GROUP)
    assert list(group.user_set.values_list("username", flat=True)) == ["ana"]
    assert list(group.permissions.values_list("codename", flat=True)) == ["open_dossier"]
    permission = Permission.objects.get(content_type__app_label="reports", codename="open_dossier")
    assert permission.name == "Peut ouvrir un dossier"

    _migrate(BEFORE)
    assert not Group.objects.filter(name=CLINICIANS_GROUP).exists()
    assert not Permission.objects.filter(codename="open_dossier").exists()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Group.objects.filter(name=CLINICIANS_GROUP, user__username="ana").exists()


def test_the_migration_and_the_code_name_the_same_group():
    migration = import_module("reports.migrations.0009_dossier_open_permission")
    assert migration.GROUP_NAME == CLINICIANS_GROUP
