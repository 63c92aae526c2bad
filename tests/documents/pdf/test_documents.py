"""Final documents rendered by a worker and kept: requested by the care team (or at
signature), rendered once, downloaded by the team, and by an external member only as the
recipients' copy of a signed report shared with them by name.

Tests that render with WeasyPrint are marked ``rendering`` (run once, on PostgreSQL); the
requests, queueing and refusals around them run on both databases."""

import datetime
import hashlib
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from documents import pdf, rendering, services, tasks
from documents.models import RenderedDocument
from documents.tasks import render_document
from dossiers.services import ServiceError
from sharing.models import Share
from tests.documents.pdf.conftest import make_plan, sign_plan
from tests.documents.pdf.door import pdf_through_the_door
from tests.documents.pdf.support import flat, pdf_info, pdf_text

Audience = RenderedDocument.Audience
Status = RenderedDocument.Status


def rendered(document: RenderedDocument) -> RenderedDocument:
    rendering.document_render_execute(document_id=document.pk)
    document.refresh_from_db()
    return document


def stored_bytes(document: RenderedDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


# --- Services ---------------------------------------------------------------------------------


def test_a_request_is_queued_once_and_rendered_after_commit(
    signed_report, signed_plan, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        document = services.document_request(
            report=signed_report, care_plan=signed_plan, audience=Audience.TEAM, user=alice
        )
        again = services.document_request(
            report=signed_report, care_plan=signed_plan, audience=Audience.TEAM, user=alice
        )
    assert again == document
    assert document.status == Status.QUEUED and document.requested_by == alice
    assert len(callbacks) == 1  # one task sent, for the one document
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="rendereddocument", object_id=str(document.pk)
    ).exists()


@pytest.mark.rendering
def test_rendering_stores_the_pdf_with_its_hash_size_and_pages(
    signed_report, signed_plan, alice, settings
):
    document = services.document_request(
        report=signed_report,
        care_plan=signed_plan,
        audience=Audience.TEAM,
        user=alice,
        enqueue=False,
    )

    document = rendered(document)

    content = stored_bytes(document)
    assert document.status == Status.DONE
    assert document.file.name.startswith("documents/")
    assert signed_report.dossier.patient.code not in document.file.name
    assert Path(settings.MEDIA_ROOT, document.file.name).is_file()
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size_bytes == len(content)
    assert document.pages == int(pdf_info(content)["Pages"]) >= 4
    assert document.seconds > 0 and document.finished_at is not None
    text = flat(pdf_text(content))
    assert "Annexe : transcriptions" in text  # the team's copy
    assert "Cabinet Lilas" in text  # with the plan


@pytest.mark.rendering
def test_rendering_twice_changes_nothing(signed_report, alice):
    document = rendered(
        services.document_request(
            report=signed_report, audience=Audience.TEAM, user=alice, enqueue=False
        )
    )
    before = (document.file.name, document.sha256, document.finished_at)

    assert rendering.document_render_execute(document_id=document.pk) is None
    render_document(document.pk)  # the Celery task, redelivered

    document.refresh_from_db()
    assert (document.file.name, document.sha256, document.finished_at) == before
    assert RenderedDocument.objects.count() == 1


@pytest.mark.rendering
def test_signed_content_already_rendered_is_reused(signed_report, alice):
    first = rendered(
        services.document_request(
            report=signed_report, audience=Audience.TEAM, user=alice, enqueue=False
        )
    )
    again = services.document_request(
        report=signed_report, audience=Audience.TEAM, user=alice, enqueue=False
    )
    assert again == first


@pytest.mark.rendering
def test_a_draft_is_rendered_again_once_done(report, alice):
    first = rendered(
        services.document_request(report=report, audience=Audience.TEAM, user=alice, enqueue=False)
    )
    second = services.document_request(
        report=report, audience=Audience.TEAM, user=alice, enqueue=False
    )
    assert second != first and second.status == Status.QUEUED
    assert "BROUILLON" in pdf_text(stored_bytes(first))


@pytest.mark.rendering
def test_the_recipients_copy_has_no_transcripts_and_no_unsigned_plan(signed_report, alice, charlie):
    plan = make_plan(signed_report, clinician=alice, coordinator=charlie)

    document = rendered(
        services.document_request(
            report=signed_report,
            care_plan=plan,
            audience=Audience.RECIPIENT,
            user=alice,
            enqueue=False,
        )
    )

    assert document.care_plan is None  # the draft plan stays inside the care team
    text = flat(pdf_text(stored_bytes(document)))
    assert "Annexe" not in text and "Il ne pointe jamais" not in text
    assert "Plan personnalisé d'interventions" not in text


def test_no_recipients_copy_before_signature(report, alice):
    with pytest.raises(ServiceError, match="une fois le compte rendu signé"):
        services.document_request(report=report, audience=Audience.RECIPIENT, user=alice)
    assert not RenderedDocument.objects.exists()


def test_only_the_care_team_asks_for_documents(signed_report, dave):
    with pytest.raises(ServiceError):
        services.document_request(report=signed_report, audience=Audience.TEAM, user=dave)


def test_a_failed_rendering_says_so_and_can_be_asked_again(signed_report, alice, monkeypatch):
    document = services.document_request(
        report=signed_report, audience=Audience.TEAM, user=alice, enqueue=False
    )

    def broken(*args, **kwargs):
        raise RuntimeError("pango says no")

    monkeypatch.setattr("documents.rendering.report_pdf_render", broken)
    with pytest.raises(RuntimeError):
        rendering.document_render_execute(document_id=document.pk)

    document.refresh_from_db()
    assert document.status == Status.FAILED
    assert f"référence du document n° {document.pk}" in document.error_message
    assert "pango" not in document.error_message
    again = services.document_request(
        report=signed_report, audience=Audience.TEAM, user=alice, enqueue=False
    )
    assert again != document and again.status == Status.QUEUED


@pytest.mark.rendering
def test_a_database_hiccup_puts_the_document_back_in_the_queue_and_the_task_renders_it(
    signed_report, alice, monkeypatch
):
    document = services.document_request(
        report=signed_report, audience=Audience.TEAM, user=alice, enqueue=False
    )
    render = pdf.report_pdf_render
    calls = []

    def locked_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return render(*args, **kwargs)

    monkeypatch.setattr("documents.rendering.report_pdf_render", locked_once)
    tasks.render_document.apply(args=[document.pk])  # retried as a worker would
    document.refresh_from_db()
    assert document.status == Status.DONE
    assert len(calls) == 2 and document.attempts == 2


def test_a_request_lost_on_the_way_is_replaced(signed_report, alice):
    lost = services.document_request(
        report=signed_report, audience=Audience.TEAM, user=alice, enqueue=False
    )
    RenderedDocument.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    again = services.document_request(
        report=signed_report, audience=Audience.TEAM, user=alice, enqueue=False
    )
    assert again != lost and again.status == Status.QUEUED


@pytest.mark.rendering
def test_signatures_ask_for_the_team_and_recipients_copies(
    signed_report, plan, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        team, recipients = services.documents_for_signature(report=signed_report, user=alice)
    assert (team.audience, team.care_plan) == (Audience.TEAM, plan)
    assert (recipients.audience, recipients.care_plan) == (Audience.RECIPIENT, None)  # draft plan
    assert len(callbacks) == 2
    for document in (team, recipients):
        rendered(document)

    # The plan is signed: its final documents, both with the plan; asked twice, made once.
    sign_plan(plan, alice)
    documents = services.documents_for_signature(report=signed_report, user=alice, enqueue=False)
    assert (
        services.documents_for_signature(report=signed_report, user=alice, enqueue=False)
        == documents
    )
    assert [d.care_plan for d in documents] == [plan, plan]
    assert RenderedDocument.objects.count() == 4


# --- Views -------------------------------------------------------------------------------------


def request_url(report) -> str:
    return reverse("documents:document_request", args=[report.pk])


def download_url(document) -> str:
    return reverse("documents:document_download", args=[document.pk])


@pytest.mark.parametrize("user", ["alice", "charlie"])
def test_the_care_team_asks_for_a_pdf(client, signed_report, signed_plan, user, request):
    client.force_login(request.getfixturevalue(user))

    response = client.post(request_url(signed_report), {"audience": "team"})

    assert response.status_code == 302
    document = RenderedDocument.objects.get()
    assert document.care_plan == signed_plan  # the report and its plan


def test_asking_from_the_panel_refreshes_the_panel(client, signed_report, alice):
    client.force_login(alice)

    response = client.post(
        request_url(signed_report), {"audience": "recipient"}, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Documents PDF" in page and "En attente" in page
    assert 'hx-trigger="every 2s"' in page  # polls until the document is ready


def test_panel_shows_the_error(client, report, alice):
    client.force_login(alice)
    response = client.post(request_url(report), {"audience": "recipient"}, HTTP_HX_REQUEST="true")
    assert "une fois le compte rendu signé" in response.content.decode()


def test_external_members_and_outsiders_cannot_ask(client, signed_report, dave, bob):
    Share.objects.create(report=signed_report, recipient=dave, granted_by=signed_report.signed_by)
    client.force_login(dave)
    assert client.post(request_url(signed_report), {"audience": "team"}).status_code == 403
    client.force_login(bob)
    assert client.post(request_url(signed_report), {"audience": "team"}).status_code == 404
    assert not RenderedDocument.objects.exists()


def test_panel_polling(client, signed_report, alice, bob):
    client.force_login(alice)
    assert (
        client.get(reverse("documents:document_panel", args=[signed_report.pk])).status_code == 200
    )
    client.force_login(bob)
    assert (
        client.get(reverse("documents:document_panel", args=[signed_report.pk])).status_code == 404
    )


@pytest.fixture
def documents(signed_report, alice) -> dict:
    return {
        audience: rendered(
            services.document_request(
                report=signed_report, audience=audience, user=alice, enqueue=False
            )
        )
        for audience in (Audience.TEAM, Audience.RECIPIENT)
    }


@pytest.mark.rendering
def test_the_care_team_downloads_under_the_pseudonym(client, documents, signed_report, charlie):
    client.force_login(charlie)
    document = documents[Audience.TEAM]

    response = client.get(download_url(document))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored_bytes(document)
    disposition = response["Content-Disposition"]
    code = signed_report.dossier.patient.code
    assert disposition.startswith("attachment;") and f"compte-rendu-{code}-v1" in disposition
    assert "LM" not in disposition
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, username="charlie", object_type="report"
    ).exists()


@pytest.mark.rendering
def test_an_external_member_downloads_the_recipients_copy_only_while_shared(
    client, documents, signed_report, alice, dave
):
    client.force_login(dave)
    recipients, team = documents[Audience.RECIPIENT], documents[Audience.TEAM]
    assert client.get(download_url(recipients)).status_code == 404  # not shared yet

    share = Share.objects.create(report=signed_report, recipient=dave, granted_by=alice)
    assert client.get(download_url(recipients)).status_code == 200
    assert client.get(download_url(team)).status_code == 404  # the transcripts stay inside
    panel = client.get(
        reverse("documents:document_panel", args=[signed_report.pk])
    ).content.decode()
    assert download_url(recipients) in panel and download_url(team) not in panel
    assert "Produire" not in panel

    Share.objects.filter(pk=share.pk).update(revoked_at=timezone.now(), revoked_by=alice)
    assert client.get(download_url(recipients)).status_code == 404


@pytest.mark.rendering
def test_outsiders_get_404(client, documents, bob):
    client.force_login(bob)
    for document in documents.values():
        assert client.get(download_url(document)).status_code == 404


def test_a_document_not_rendered_yet_is_not_downloadable(client, signed_report, alice):
    document = services.document_request(
        report=signed_report, audience=Audience.TEAM, user=alice, enqueue=False
    )
    client.force_login(alice)
    assert client.get(download_url(document)).status_code == 404


@pytest.mark.rendering
def test_the_pdf_button_prints_the_care_plan_for_the_team(client, signed_report, plan, alice):
    client.force_login(alice)
    response = pdf_through_the_door(client, signed_report)
    assert response.document.care_plan == plan
    text = flat(pdf_text(response.pdf))
    assert "Plan personnalisé d'interventions" in text and "BROUILLON — plan non validé" in text
