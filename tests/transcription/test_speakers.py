"""Who speaks: one track per participant merged into one timeline, and speakers named by
the clinician for a whole consultation or for one passage."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import Report
from tests.dossiers.test_views import record
from tests.fakes import FakeTranscriber
from tests.pathway_urls import pathway_url
from transcription import pipeline as transcription_pipeline
from transcription.engine import TranscribedSegment
from transcription.models import PipelineJob, Segment

PARENT_TRACK = [TranscribedSegment(1.0, 3.0, "Il ne répond pas à son prénom.")]
CLINICIAN_TRACK = [
    TranscribedSegment(0.0, 1.0, "Est-ce qu'il répond à son prénom ?"),
    TranscribedSegment(3.5, 5.0, "Depuis quand ?"),
]


@pytest.fixture
def consultation_with_two_tracks(client, dossier, alice, tone_wav, tmp_path, settings):
    """A consultation recorded by the platform as one track per participant."""
    job = record(dossier, tone_wav, alice)
    consultation = job.recording.consultation
    job.recording.speaker_label = "clinicien"
    job.recording.save()
    transcription_pipeline.recording_transcribe(
        job_id=job.pk, transcriber=FakeTranscriber(CLINICIAN_TRACK)
    )
    client.force_login(alice)
    second = tmp_path / "parent.wav"
    second.write_bytes(tone_wav.read_bytes() + b"\0\0")  # another file, same length
    response = client.post(
        reverse("dossiers:consultation_track_add", args=[consultation.pk]),
        {
            "audio": SimpleUploadedFile("parent.wav", second.read_bytes()),
            "speaker_label": "parent",
        },
    )
    assert response.status_code == 302
    parent_job = PipelineJob.objects.exclude(pk=job.pk).get()
    transcription_pipeline.recording_transcribe(
        job_id=parent_job.pk, transcriber=FakeTranscriber(PARENT_TRACK)
    )
    return consultation


def test_tracks_of_one_consultation_merge_into_one_timeline(
    client, consultation_with_two_tracks, dossier
):
    report = Report.objects.get(dossier=dossier)
    page = client.get(reverse("drafting:report_detail", args=[report.pk])).content.decode()
    order = [
        page.index("Est-ce qu&#x27;il répond à son prénom ?"),
        page.index("Il ne répond pas à son prénom."),
        page.index("Depuis quand ?"),
    ]
    assert order == sorted(order)  # interleaved by time, whatever the track
    speakers = dict(Segment.objects.values_list("text", "speaker"))
    assert speakers["Il ne répond pas à son prénom."] == "parent"
    assert speakers["Depuis quand ?"] == "clinicien"


def test_a_track_for_someone_elses_consultation_is_404(client, bob, dossier, alice, tone_wav):
    job = record(dossier, tone_wav, alice)
    client.force_login(bob)
    response = client.post(
        reverse("dossiers:consultation_track_add", args=[job.recording.consultation_id]),
        {"audio": SimpleUploadedFile("x.wav", tone_wav.read_bytes()), "speaker_label": "parent"},
    )
    assert response.status_code == 404
    assert PipelineJob.objects.count() == 1


@pytest.fixture
def mono_report(dossier, alice, tone_wav):
    job = record(dossier, tone_wav, alice)
    transcription_pipeline.recording_transcribe(
        job_id=job.pk,
        transcriber=FakeTranscriber(
            [TranscribedSegment(0, 1, "Bonjour."), TranscribedSegment(1, 2, "Bonjour docteur.")]
        ),
    )
    return Report.objects.get(dossier=dossier)


def test_naming_a_speaker_applies_to_the_whole_consultation(client, alice, mono_report):
    client.force_login(alice)
    consultation = mono_report.transcripts.get().recording.consultation
    response = client.post(
        reverse("drafting:report_speaker_rename", args=[mono_report.pk]),
        {"consultation": consultation.pk, "current": "inconnu", "new": "parent"},
    )
    assert response.status_code == 302
    assert set(Segment.objects.values_list("speaker", flat=True)) == {"parent"}
    page = client.get(response["Location"]).content.decode()
    assert "Locuteur renommé dans 2 passage(s)." in page


def test_one_passage_can_be_given_its_own_speaker(client, alice, mono_report):
    client.force_login(alice)
    first, second = Segment.objects.order_by("start")
    response = client.post(
        reverse("transcription:segment_speaker", args=[second.pk]),
        {"speaker": "clinicien"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="segment-{second.pk}"' in response.content.decode()
    assert '<option value="clinicien" selected>' in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.speaker, second.speaker) == ("inconnu", "clinicien")


@pytest.mark.parametrize("name", ["report_speaker_rename", "segment_speaker"])
def test_outsiders_cannot_name_speakers(client, bob, mono_report, name):
    client.force_login(bob)
    target = mono_report.pk if name == "report_speaker_rename" else Segment.objects.first().pk
    response = client.post(
        pathway_url(name, args=[target]),
        {"speaker": "parent", "current": "inconnu", "new": "parent", "consultation": 1},
    )
    assert response.status_code == 404
    assert set(Segment.objects.values_list("speaker", flat=True)) == {"inconnu"}


@pytest.mark.parametrize(
    "name", ["report_speaker_rename", "segment_speaker", "consultation_track_add"]
)
def test_speaker_endpoints_only_take_posts(client, alice, mono_report, name):
    client.force_login(alice)
    target = {
        "report_speaker_rename": mono_report.pk,
        "segment_speaker": Segment.objects.first().pk,
        "consultation_track_add": mono_report.transcripts.get().recording.consultation_id,
    }[name]
    assert client.get(pathway_url(name, args=[target])).status_code == 405


def test_a_speaker_name_cannot_be_blank(client, alice, mono_report):
    client.force_login(alice)
    segment = Segment.objects.first()
    response = client.post(
        reverse("transcription:segment_speaker", args=[segment.pk]), {"speaker": " "}
    )
    assert response.status_code == 400
    segment.refresh_from_db()
    assert segment.speaker == "inconnu"
