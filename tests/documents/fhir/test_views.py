"""The FHIR export pages: the file from the report page and the JSON endpoint. The care
team (clinician, coordinator) gets the bundle; an external member is refused (403) even on
a report shared with them, and gets a 404 otherwise; an outsider gets a 404; every export
is in the audit log."""

import json

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from audit.models import AuditEvent
from tests.documents.fhir.conftest import INITIALS


def download(report):
    return reverse("documents:report_fhir_download", kwargs={"report_id": report.pk})


def api(report):
    return reverse("documents:report_fhir_api", kwargs={"report_id": report.pk})


def exports(report):
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, object_type="report", object_id=str(report.pk)
    )


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_care_team_downloads_the_bundle_as_a_file(
    client, request, who, report, care_plan, document
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(download(report))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    code = report.dossier.patient.code
    assert response["Content-Disposition"] == (
        f'attachment; filename="fhir-{code}-compte-rendu-{report.pk}.json"'
    )
    assert response["Cache-Control"] == "no-store"
    bundle = Bundle.model_validate_json(response.content)
    assert [e.resource.get_resource_type() for e in bundle.entry].count("DocumentReference") == 1
    assert [e.resource.get_resource_type() for e in bundle.entry].count("CarePlan") == 1
    assert INITIALS not in response.content.decode()
    (event,) = exports(report)
    assert event.username == who
    assert event.dossier_id == report.dossier_id
    assert event.detail == "export FHIR (fichier)"


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_care_team_reads_the_api(client, request, who, report):
    client.force_login(request.getfixturevalue(who))
    response = client.get(api(report))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert "Content-Disposition" not in response
    body = json.loads(response.content)
    assert body["resourceType"] == "Bundle"
    assert body["type"] == "document"
    # No plan and no PDF yet: the report alone.
    assert [e["resource"]["resourceType"] for e in body["entry"]] == [
        "Composition",
        "Patient",
        "Practitioner",
    ]
    assert exports(report).get().detail == "export FHIR (API)"


def test_api_points_to_the_latest_team_pdf_only(client, alice, report, document):
    from documents.models import RenderedDocument

    # A copy for the recipients and a failed one: neither is the team's PDF.
    RenderedDocument.objects.create(
        report=report, audience=RenderedDocument.Audience.RECIPIENT, status="done"
    )
    RenderedDocument.objects.create(
        report=report, audience=RenderedDocument.Audience.TEAM, status="failed"
    )
    client.force_login(alice)
    body = json.loads(client.get(api(report)).content)
    (reference,) = [
        e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "DocumentReference"
    ]
    assert reference["identifier"][0]["value"] == str(document.pk)


def test_external_member_is_refused_even_when_the_report_is_shared(
    client, dora, report, shared_with_dora
):
    client.force_login(dora)
    assert client.get(download(report)).status_code == 403
    response = client.get(api(report))
    assert response.status_code == 403
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "forbidden"
    assert "cliniciens et coordinateurs" in body["issue"][0]["diagnostics"]
    assert not exports(report).exists()


def test_external_member_without_a_share_gets_a_404(client, dora, report):
    client.force_login(dora)
    assert client.get(download(report)).status_code == 404
    response = client.get(api(report))
    assert response.status_code == 404
    assert json.loads(response.content)["issue"][0]["code"] == "not-found"


def test_outsider_gets_a_404(client, bob, report):
    client.force_login(bob)
    assert client.get(download(report)).status_code == 404
    response = client.get(api(report))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/fhir+json")
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    assert not exports(report).exists()


def test_anonymous_gets_401_json_from_the_api_and_the_login_page_for_the_file(client, report):
    response = client.get(api(report))
    assert response.status_code == 401
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "login"
    response = client.get(download(report))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not exports(report).exists()


def test_an_export_that_cannot_be_built_says_why(client, alice, report, document):
    with document.file.open("wb") as handle:
        handle.write(b"%PDF-1.7 altered")
    client.force_login(alice)
    response = client.get(api(report))
    assert response.status_code == 500
    assert "empreinte" in json.loads(response.content)["issue"][0]["diagnostics"]
    response = client.get(download(report), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "drafting:report_detail", kwargs={"report_id": report.pk}
    )
    assert "empreinte" in response.content.decode()
    assert not exports(report).exists()


def test_post_is_not_allowed(client, alice, report):
    client.force_login(alice)
    assert client.post(api(report)).status_code == 405
    assert client.post(download(report)).status_code == 405


def test_the_report_page_offers_the_export_to_the_care_team(client, charlie, report):
    client.force_login(charlie)
    page = client.get(reverse("drafting:report_detail", kwargs={"report_id": report.pk}))
    assert f'href="{download(report)}"' in page.content.decode()
