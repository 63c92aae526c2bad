"""Once deleted, the audio's address answers 410 Gone with a sentence for the care team;
outsiders still get 404."""

import pytest
from django.urls import reverse

from reports.retention import recordings_purge_expired
from tests.reports.retention.conftest import days_after_signature


@pytest.fixture
def audio_url(recordings):
    return reverse("dossiers:recording_audio", args=[recordings[0].pk])


def test_audio_played_before_the_deletion(client, clock, alice, audio_url):
    clock.move_to(days_after_signature(10))
    client.force_login(alice)
    response = client.get(audio_url, headers={"Range": "bytes=0-99"})
    assert response.status_code == 206


@pytest.mark.parametrize("member", ["alice", "charlie"])
def test_deleted_audio_answers_gone_for_the_care_team(client, clock, request, member, audio_url):
    clock.move_to(days_after_signature(91))
    recordings_purge_expired()
    client.force_login(request.getfixturevalue(member))

    response = client.get(audio_url, headers={"Range": "bytes=0-99"})

    assert response.status_code == 410
    assert response.content.decode() == (
        "Enregistrement supprimé le 22/02/2027 (durée de conservation écoulée) ; "
        "la transcription reste disponible."
    )


def test_deleted_audio_is_still_hidden_from_outsiders(client, clock, bob, audio_url):
    clock.move_to(days_after_signature(91))
    recordings_purge_expired()
    client.force_login(bob)
    assert client.get(audio_url).status_code == 404
