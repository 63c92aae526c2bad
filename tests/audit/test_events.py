"""Every read of patient data and every change writes an audit event: who, what (object
type, id, dossier, a few words), when, and from where (address, browser, method, path);
never the patient's text."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.documents.pdf.door import WorkerOnlyRenderer
from transcription.models import Segment

Action = AuditEvent.Action
FROM = {"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": "Firefox/140 (poste 3)"}


def only_event(**filters) -> AuditEvent:
    events = list(AuditEvent.objects.filter(**filters))
    assert len(events) == 1, events
    return events[0]


def assert_from_request(event: AuditEvent, *, user, method: str, path: str) -> None:
    assert event.user_id == user.pk and event.username == user.username
    assert event.ip_address == "192.0.2.10"
    assert event.user_agent == "Firefox/140 (poste 3)"
    assert (event.method, event.path) == (method, path)
    assert event.created_at is not None


@pytest.fixture
def alice(db, world, world_media, client):
    client.force_login(world.users["alice"])
    return world.users["alice"]


def test_reading_a_dossier(client, world, alice):
    path = reverse("dossiers:dossier_detail", args=[world.dossier.pk])
    assert client.get(path, **FROM).status_code == 200
    event = only_event(action=Action.READ, object_type="dossier", path=path)
    assert event.object_id == str(world.dossier.pk) and event.dossier_id == world.dossier.pk
    assert_from_request(event, user=alice, method="GET", path=path)


def test_reading_a_report(client, world, alice):
    path = reverse("drafting:report_detail", args=[world.report.pk])
    assert client.get(path, **FROM).status_code == 200
    event = only_event(action=Action.READ, object_type="report", path=path)
    assert event.object_id == str(world.report.pk) and event.dossier_id == world.dossier.pk
    assert_from_request(event, user=alice, method="GET", path=path)


def test_downloading_the_pdf(client, world, alice, monkeypatch):
    # The PDF's content is not what this test is about: the worker's rendering is faked.
    renderer = WorkerOnlyRenderer()
    monkeypatch.setattr("documents.rendering.report_pdf_render", renderer)
    ask_path = reverse("documents:report_pdf", args=[world.report.pk])
    asking = client.get(ask_path, **FROM)
    assert asking.status_code == 200
    document = asking.context["document"]
    asked = only_event(action=Action.CREATE, object_type="rendereddocument", path=ask_path)
    assert asked.object_id == str(document.pk) and asked.dossier_id == world.dossier.pk
    assert_from_request(asked, user=alice, method="GET", path=ask_path)
    # Asking for it and following it shows no content: the download is the read.
    client.get(reverse("documents:document_status", args=[document.pk]), **FROM)
    assert not AuditEvent.objects.filter(action=Action.READ, object_type="report").exists()
    renderer.worker_render(document)

    path = reverse("documents:document_download", args=[document.pk])
    response = client.get(path, **FROM)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    event = only_event(action=Action.READ, object_type="report", path=path)
    assert event.object_id == str(world.report.pk) and event.dossier_id == world.dossier.pk
    assert event.detail == f"PDF n° {document.pk} ({document.get_audience_display()})"
    assert_from_request(event, user=alice, method="GET", path=path)


def test_listening_to_a_passage_of_the_recording(client, world, alice):
    path = reverse("dossiers:recording_audio", args=[world.recording.pk])
    response = client.get(path, HTTP_RANGE="bytes=0-99", **FROM)
    assert response.status_code == 206
    event = only_event(action=Action.READ, object_type="recording", path=path)
    assert event.object_id == str(world.recording.pk)
    assert event.dossier_id == world.dossier.pk
    assert "bytes=0-99" in event.detail
    assert_from_request(event, user=alice, method="GET", path=path)


def test_an_external_member_reading_the_shared_page_is_recorded(client, world, world_media):
    dave = world.users["dave"]
    client.force_login(dave)
    path = reverse("dossiers:dossier_detail", args=[world.dossier.pk])
    assert client.get(path, **FROM).status_code == 200
    assert only_event(action=Action.READ, path=path).username == "dave"


def test_a_refused_read_serves_nothing_and_records_no_read(client, world, world_media):
    client.force_login(world.users["bob"])
    path = reverse("drafting:report_detail", args=[world.report.pk])
    assert client.get(path).status_code == 404
    assert not AuditEvent.objects.filter(action=Action.READ, path=path).exists()


def test_saving_a_section_text(client, world, alice):
    section = world.report.sections.get(key="communication")
    path = reverse("drafting:section_text", args=[world.report.pk, section.pk])
    text = "Il ne pointe pas du doigt. Il répond à son prénom depuis peu."
    assert client.post(path, {"text": text}, **FROM).status_code == 302
    event = only_event(action=Action.UPDATE, object_type="reportsection", path=path)
    assert event.object_id == str(section.pk) and event.dossier_id == world.dossier.pk
    assert event.detail.startswith("texte de la section")
    assert_from_request(event, user=alice, method="POST", path=path)
    assert "pointe" not in event.detail


def test_a_transition(client, world, alice):
    path = reverse("reports:report_transition", args=[world.report.pk, "submit"])
    assert client.post(path, **FROM).status_code == 302
    event = only_event(action=Action.TRANSITION, path=path)
    assert (event.object_type, event.object_id) == ("report", str(world.report.pk))
    assert event.detail == "draft → in_review"
    assert_from_request(event, user=alice, method="POST", path=path)


def test_a_review_comment(client, world, alice):
    client.post(reverse("reports:report_transition", args=[world.report.pk, "submit"]))
    client.force_login(world.users["charlie"])
    path = reverse("reports:comment_add", args=[world.report.pk])
    client.post(path, {"text": "Le pointage proto-déclaratif n'est pas décrit."}, **FROM)
    event = only_event(action=Action.CREATE, object_type="reviewcomment", path=path)
    assert event.username == "charlie" and event.dossier_id == world.dossier.pk
    assert "pointage" not in event.detail


def test_a_speaker_correction(client, world, alice):
    segment = world.recording.transcript.segments.first()
    path = reverse("transcription:segment_speaker", args=[segment.pk])
    assert client.post(path, {"speaker": Segment.Role.PARENT}, **FROM).status_code == 200
    event = only_event(action=Action.UPDATE, object_type="segment", path=path)
    assert event.object_id == str(segment.pk) and event.dossier_id == world.dossier.pk


def test_no_event_holds_patient_text(client, world, alice):
    """A whole visit: pages read, text written, submitted. The log says what was touched,
    never what the transcript or the report says."""
    section = world.report.sections.get(key="communication")
    client.get(reverse("drafting:report_detail", args=[world.report.pk]))
    client.post(
        reverse("drafting:section_text", args=[world.report.pk, section.pk]),
        {"text": "Il ne pointe jamais pour montrer."},
    )
    client.post(reverse("reports:report_transition", args=[world.report.pk, "submit"]))
    texts = [s.text for s in Segment.objects.filter(transcript__recording=world.recording)]
    texts += [s.body for s in world.report.sections.all() if s.body]
    fragments = {word for text in texts for word in text.split() if len(word) > 6}
    assert fragments
    for event in AuditEvent.objects.all():
        recorded = f"{event.detail} {event.object_type} {event.path}"
        assert not [word for word in fragments if word in recorded], event.detail
