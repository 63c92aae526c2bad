"""The drafted report in the browser's HTML: sentences with their sources, what was set
aside, contradictions, proposals; who may change what (404 outsiders, 403 reviewers)."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import DossierMember
from drafting.models import DraftRun, EditJob
from drafting.services import section_edit_execute
from reports.models import SectionVersion
from tests.drafting.dossiers import SECOND_SESSION, consult, drafted
from tests.drafting.transcripts import PARENT_INTERVIEW


@pytest.fixture
def report(drafting_dossier, alice, charlie, tone_wav):
    services.dossier_member_add(
        dossier=drafting_dossier, user=charlie, role=DossierMember.Role.COORDINATOR
    )
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    consult(drafting_dossier, alice, tone_wav, SECOND_SESSION, day=9)
    drafted(drafting_dossier)
    return drafting_dossier.reports.get()


def login(client, user):
    client.force_login(user)
    return client


def communication(report):
    return report.sections.get(key="communication")


def test_the_report_shows_sentences_sources_and_contradictions(client, alice, report):
    page = login(client, alice).get(reverse("drafting:report_detail", args=[report.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Il ne pointe jamais" in html
    assert "C1-U0" in html and "C2-U0" in html  # each consultation cited with its own id
    assert "Les consultations divergent" in html
    assert "Non abordé" in html or "non abordé" in html
    assert "citations des passages, sans modèle" in html
    # Each source can be played from its time in the recording (the evidence panel's
    # player reads the chip's recording and start).
    recording = report.transcripts.first().recording
    assert f'data-audio="{reverse("dossiers:recording_audio", args=[recording.pk])}"' in html
    assert 'data-start="' in html


def test_outsiders_get_404_on_every_drafting_action(client, bob, report):
    login(client, bob)
    section = communication(report)
    version = section.versions.first()
    for url in (
        reverse("drafting:report_draft", args=[report.pk]),
        reverse("drafting:section_edit", args=[report.pk, section.pk]),
        reverse("drafting:section_version_decide", args=[report.pk, version.pk]),
    ):
        assert client.post(url, {"action": "shorten", "decision": "accept"}).status_code == 404


def test_a_coordinator_reads_but_cannot_change_the_text(client, charlie, report):
    login(client, charlie)
    assert client.get(reverse("drafting:report_detail", args=[report.pk])).status_code == 200
    section = communication(report)
    response = client.post(
        reverse("drafting:section_edit", args=[report.pk, section.pk]), {"action": "shorten"}
    )
    assert response.status_code == 403
    assert section.versions.count() == 1


def test_a_clinician_asks_for_an_edit_and_decides(client, alice, report):
    login(client, alice)
    section = communication(report)
    before = section.body
    response = client.post(
        reverse("drafting:section_edit", args=[report.pk, section.pk]),
        {"action": "shorten", "selection": ["1", "2"]},
    )
    assert response.status_code == 302
    # A background job: queued, shown with its progress, nothing proposed yet.
    job = EditJob.objects.get(section=section)
    assert job.status == EditJob.Status.QUEUED
    assert not section.versions.filter(status=SectionVersion.Status.PROPOSED).exists()
    page = client.get(reverse("drafting:report_detail", args=[report.pk])).content.decode()
    assert f'id="edit-job-{job.pk}"' in page

    section_edit_execute(job_id=job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == EditJob.Status.DONE and job.progress == 100
    proposal = section.versions.get(status=SectionVersion.Status.PROPOSED)
    assert job.result == proposal
    assert proposal.selection == [1, 2]
    assert "[…]" in proposal.text  # without a model, long quotes are cut
    section.refresh_from_db()
    assert section.body == before

    page = client.get(reverse("drafting:report_detail", args=[report.pk])).content.decode()
    assert "Proposition : réduire" in page

    client.post(
        reverse("drafting:section_version_decide", args=[report.pk, proposal.pk]),
        {"decision": "accept"},
    )
    section.refresh_from_db()
    assert section.body == proposal.text
    assert section.versions.count() == 2


def test_asking_for_a_new_draft_queues_a_run(client, alice, report):
    login(client, alice)
    response = client.post(reverse("drafting:report_draft", args=[report.pk]))
    assert response.status_code == 302
    assert report.runs.filter(status=DraftRun.Status.QUEUED).count() == 1


def test_a_stale_save_shows_both_texts_and_saves_nothing(client, alice, report):
    login(client, alice)
    section = communication(report)
    loaded = section.versions.get(status=SectionVersion.Status.ACCEPTED).number
    url = reverse("drafting:section_text", args=[report.pk, section.pk])
    assert client.post(url, {"text": "Première.", "based_on": loaded}).status_code == 302
    response = client.post(url, {"text": "Seconde <script>alert(1)</script>", "based_on": loaded})
    assert response.status_code == 409
    html = response.content.decode()
    assert "a changé entre-temps" in html
    assert "Première." in html and "Seconde" in html
    assert "<script>alert(1)</script>" not in html  # escaped, never executed
    section.refresh_from_db()
    assert section.body == "Première."


def test_undo_through_the_page_and_reviewers_cannot_write(client, alice, charlie, report):
    section = communication(report)
    before = section.body
    login(client, charlie)
    text_url = reverse("drafting:section_text", args=[report.pk, section.pk])
    undo_url = reverse("drafting:section_undo", args=[report.pk, section.pk])
    assert client.post(text_url, {"text": "x", "based_on": 1}).status_code == 403
    assert client.post(undo_url).status_code == 403
    login(client, alice)
    client.post(text_url, {"text": "Corrigé.", "based_on": 1})
    client.post(undo_url)
    section.refresh_from_db()
    assert section.body == before
