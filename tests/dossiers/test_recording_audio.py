"""The recording played from a cited passage: range requests, care team only."""

import datetime

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import Consultation
from tests.uploads import upload


@pytest.fixture
def recording(dossier, alice, tone_wav):
    consultation = services.consultation_create(
        dossier=dossier,
        date=datetime.date(2026, 11, 2),
        modality=Consultation.Modality.TELECONSULTATION,
        participants="pédopsychiatre, mère",
        recording_consent=True,
        consent_given_by="mère",
        created_by=alice,
    )
    return upload(consultation, tone_wav, alice).recording


def url(recording):
    return reverse("dossiers:recording_audio", args=[recording.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def login(client, user):
    client.force_login(user)


def test_the_care_team_gets_the_whole_file(client, alice, recording, tone_wav):
    login(client, alice)
    response = client.get(url(recording))
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/x-wav"
    assert "no-store" in response["Cache-Control"]
    assert body(response) == tone_wav.read_bytes()


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=100-199", 100, 199), ("bytes=1000-", 1000, None), ("bytes=-64", -64, None)],
)
def test_a_range_request_gets_just_those_bytes(
    client, charlie, recording, tone_wav, header, first, last
):
    login(client, charlie)  # the coordinator listens too
    data = tone_wav.read_bytes()
    response = client.get(url(recording), HTTP_RANGE=header)
    expected = data[first : None if last is None else last + 1]
    assert response.status_code == 206
    assert body(response) == expected
    start = first if first >= 0 else len(data) + first
    assert response["Content-Range"] == f"bytes {start}-{start + len(expected) - 1}/{len(data)}"


def test_an_unsatisfiable_range_is_refused(client, alice, recording, tone_wav):
    login(client, alice)
    response = client.get(url(recording), HTTP_RANGE=f"bytes={10**9}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{tone_wav.stat().st_size}"


def test_outsiders_get_404_and_anonymous_users_the_login_page(client, bob, recording):
    assert client.get(url(recording)).status_code == 302
    login(client, bob)
    assert client.get(url(recording)).status_code == 404
    assert client.get(url(recording), HTTP_RANGE="bytes=0-10").status_code == 404
