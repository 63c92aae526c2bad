"""Long recordings: chunks cut at silences, transcribed one by one, merged on one timeline."""

import datetime
import itertools
import re
import wave

import numpy as np
import pytest
from django.utils import timezone

from neddie import jobs
from neddie.speech_synthesis import OTHER_VOICE, SAMPLE_RATE
from tests.audio import write_samples, write_speech
from tests.factories import ConsultationFactory
from tests.fakes import FakeTranscriber
from tests.uploads import upload
from transcription import chunking
from transcription import pipeline as transcription_pipeline
from transcription.models import PipelineJob, Transcript, TranscriptionChunk

# Sentences and words the assertions look for in Whisper's transcript. Long enough that each
# 6-second chunk holds speech: on a 3.5 s chunk ending in 1 s of digital silence, Whisper base
# wrote "C'est parti !" where nobody spoke (seen with Kokoro's shorter sentences).
SENTENCES = [
    (
        "Bonjour docteur, mon enfant joue avec ses petites voitures toute la journée.",
        {"bonjour", "docteur"},
    ),
    ("Le matin, il refuse de manger et il pleure quand nous partons.", {"manger"}),
    ("À la crèche, il joue tout seul dans un coin de la salle.", {"seul"}),
    ("Il répète souvent les mêmes phrases, même quand personne ne lui parle.", {"phrase"}),
]
PAUSE_SECONDS = 1.5


def read_wav(path):
    with wave.open(str(path), "rb") as audio:
        pcm = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
        return pcm.astype(np.float32) / 32767, audio.getframerate()


@pytest.fixture(scope="module")
def long_speech(tmp_path_factory):
    """Four sentences separated by pauses (about 20 s), at Kokoro's own 24 kHz (a rate the
    chunker converts)."""
    folder = tmp_path_factory.mktemp("long")
    parts, rate = [], SAMPLE_RATE
    for i, (text, _words) in enumerate(SENTENCES):
        samples, rate = read_wav(write_speech(folder / f"{i}.wav", text, rate=SAMPLE_RATE))
        parts += [samples, np.zeros(int(PAUSE_SECONDS * rate))]
    return write_samples(folder / "long.wav", np.concatenate(parts), rate=rate)


def test_cuts_fall_in_the_quietest_moment_near_the_target():
    energy = np.full(3000, 0.3, dtype=np.float32)  # 90 s of sound at 30 ms frames
    energy[1100:1120] = 0.0  # a pause at 33.0-33.6 s
    energy[2200:2220] = 0.0  # a pause at 66.0-66.6 s
    analysis = chunking.Analysis(duration_seconds=90.0, channels=1, frame_energy=energy)
    spans = chunking.plan_chunks(analysis, chunk_seconds=30, search_seconds=5)
    assert [span.index for span in spans] == [0, 1, 2]
    # In the middle of each pause, leaving silence on both sides.
    assert spans[0].end_seconds == pytest.approx(33.3, abs=0.1)
    assert spans[1].end_seconds == pytest.approx(66.3, abs=0.1)
    assert spans[0].start_seconds == 0 and spans[-1].end_seconds == 90.0
    assert all(a.end_seconds == b.start_seconds for a, b in itertools.pairwise(spans))


def test_a_short_recording_is_one_chunk():
    analysis = chunking.Analysis(duration_seconds=40.0, channels=1, frame_energy=np.ones(1333))
    assert len(chunking.plan_chunks(analysis, chunk_seconds=300, search_seconds=20)) == 1


def test_chunk_files_cover_the_whole_recording_without_overlap(long_speech, tmp_path):
    analysis = chunking.analyse(long_speech, source_channels=1, max_seconds=3600)
    spans = chunking.plan_chunks(analysis, chunk_seconds=5, search_seconds=2)
    files = chunking.write_chunks(long_speech, spans, channels=1, output_dir=tmp_path)
    pieces = [read_wav(files[(span.index, 0)])[0] for span in spans]
    assert len(pieces) > 2
    assert sum(len(piece) for piece in pieces) == round(analysis.duration_seconds * 16_000)
    # Cut and written again in one piece, the chunks are the whole decoded recording.
    whole = chunking.write_chunks(
        long_speech,
        [chunking.ChunkSpan(0, 0, analysis.duration_seconds)],
        channels=1,
        output_dir=tmp_path / "whole",
    )
    assert np.array_equal(np.concatenate(pieces), read_wav(whole[(0, 0)])[0])


def _transcribe_in_chunks(dossier, alice, path, settings, chunk_seconds, capture):
    settings.TRANSCRIPTION_CHUNK_SECONDS = chunk_seconds
    settings.TRANSCRIPTION_CHUNK_SEARCH_SECONDS = 3
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, path, alice)
    progress = []
    with capture(execute=True):
        transcription_pipeline.recording_transcribe(job_id=job.pk, on_progress=progress.append)
    job.refresh_from_db()
    segments = list(Transcript.objects.get(recording=job.recording).segments.all())
    return job, segments, progress


def _words(segments) -> list[str]:
    return re.findall(r"\w+", " ".join(s.text for s in segments).lower())


def _repeated_trigrams(words: list[str]) -> set[tuple[str, ...]]:
    trigrams = list(zip(words, words[1:], words[2:], strict=False))
    return {trigram for trigram in trigrams if trigrams.count(trigram) > 1}


@pytest.mark.whisper
def test_a_recording_cut_in_chunks_loses_and_repeats_no_words(
    settings, dossier, alice, long_speech, whisper_model_dir, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    _job, whole, _ = _transcribe_in_chunks(dossier, alice, long_speech, settings, 600, capture)
    job, chunked, progress = _transcribe_in_chunks(
        dossier, alice, long_speech, settings, 6, capture
    )

    assert job.status == PipelineJob.Status.DONE
    chunks = list(TranscriptionChunk.objects.filter(job=job))
    assert len(chunks) >= 3
    assert all(not chunk.audio for chunk in chunks)  # working copies removed
    # Each chunk is decoded without the context of the others, so a few words come out
    # differently than in one pass; but the cuts, made in pauses, neither drop nor repeat
    # anything: as many words as in one pass, and no phrase said twice.
    one_pass, in_chunks = _words(whole), _words(chunked)
    assert abs(len(in_chunks) - len(one_pass)) <= 0.1 * len(one_pass), (
        " ".join(one_pass),
        " ".join(in_chunks),
        [(s.start, s.end, s.text) for s in chunked],
    )
    assert _repeated_trigrams(in_chunks) <= _repeated_trigrams(one_pass)
    for word in ("bonjour", "docteur", "seul"):
        assert in_chunks.count(word) == 1
    starts = [s.start for s in chunked]
    assert starts == sorted(starts)
    assert chunked[-1].end <= job.recording.duration_seconds + 0.5
    assert progress == sorted(progress) and progress[-1] > 0.9


def test_finished_chunks_are_not_redone_after_a_crash(dossier, alice, long_speech, settings):
    settings.TRANSCRIPTION_CHUNK_SECONDS = 6
    settings.TRANSCRIPTION_CHUNK_SEARCH_SECONDS = 3
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, long_speech, alice)
    pending = transcription_pipeline.job_prepare(job_id=job.pk, dispatch=False)
    assert len(pending) >= 3
    first = FakeTranscriber()
    transcription_pipeline.chunk_transcribe(chunk_id=pending[0], transcriber=first)
    # A worker takes the second chunk and dies: its lease runs out, the recovery task puts
    # the chunk back in the queue. Chunks are not cut again; the finished one is not redone.
    assert jobs.job_claim(TranscriptionChunk, pending[1], owner="dead-worker") is not None
    TranscriptionChunk.objects.filter(pk=pending[1]).update(
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert jobs.jobs_recover()["requeued"] == 1
    assert transcription_pipeline.job_prepare(job_id=job.pk) is None  # the job waits on chunks
    second = FakeTranscriber()
    for chunk_id in pending[1:]:
        transcription_pipeline.chunk_transcribe(chunk_id=chunk_id, transcriber=second)
    assert (len(first.calls), len(second.calls)) == (1, len(pending) - 1)
    job.refresh_from_db()
    assert job.status == PipelineJob.Status.DONE and job.attempts == 1
    assert TranscriptionChunk.objects.get(pk=pending[1]).attempts == 2
    # A late duplicate of the last chunk's task finds it done and changes nothing.
    assert transcription_pipeline.chunk_transcribe(chunk_id=pending[-1]) is None
    assert transcription_pipeline.job_finalize(job_id=job.pk) is None
    assert Transcript.objects.filter(recording=job.recording).count() == 1


def test_a_recording_longer_than_its_header_says_is_refused_when_decoded(
    dossier, alice, long_speech, settings
):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, long_speech, alice)
    settings.RECORDING_MAX_SECONDS = 10  # as if the header had claimed less than the audio
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    job.refresh_from_db()
    assert job.status == PipelineJob.Status.FAILED
    assert "durée maximale" in job.error_message


def stereo(path, left, right, rate=16_000):
    pcm = (np.clip(np.stack([left, right], axis=1), -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


@pytest.fixture(scope="module")
def two_voices(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stereo")
    a, rate = read_wav(write_speech(folder / "a.wav", "Bonjour docteur, merci de nous recevoir."))
    b, _ = read_wav(
        write_speech(folder / "b.wav", "Nous allons parler de l'école.", voice=OTHER_VOICE)
    )
    gap = np.zeros(int(rate * 1.0), dtype=np.float32)
    left = np.concatenate([a, gap, np.zeros_like(b), gap])
    right = np.concatenate([np.zeros_like(a), gap, b, gap])
    return folder, left, right, rate


@pytest.mark.whisper
def test_a_stereo_file_with_one_speaker_per_channel_gets_exact_labels(
    dossier, alice, two_voices, whisper_model_dir
):
    folder, left, right, rate = two_voices
    path = stereo(folder / "deux-voies.wav", left, right, rate)
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, path, alice)
    transcription_pipeline.recording_transcribe(job_id=job.pk)
    segments = list(Transcript.objects.get(recording=job.recording).segments.all())
    by_speaker = {}  # all of each speaker's segments (Whisper may add a "..." segment)
    for segment in segments:
        by_speaker[segment.speaker] = (
            f"{by_speaker.get(segment.speaker, '')} {segment.text}".lower()
        )
    assert "bonjour" in by_speaker["interlocuteur 1 (voie gauche)"]
    assert "école" in by_speaker["interlocuteur 2 (voie droite)"]
    assert [s.speaker for s in segments] == sorted(
        (s.speaker for s in segments), key=lambda name: "droite" in name
    )  # the left speaker talks first


@pytest.mark.whisper
def test_a_stereo_file_with_the_same_mix_on_both_channels_is_transcribed_once(
    dossier, alice, two_voices, whisper_model_dir
):
    folder, left, right, rate = two_voices
    mix = left + right
    path = stereo(folder / "meme-mix.wav", mix, mix, rate)
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, path, alice)
    transcription_pipeline.recording_transcribe(job_id=job.pk)
    segments = list(Transcript.objects.get(recording=job.recording).segments.all())
    text = " ".join(s.text.lower() for s in segments)
    assert text.count("bonjour") == 1
    assert {s.speaker for s in segments} == {"inconnu"}


@pytest.mark.whisper
@pytest.mark.parametrize("rate", [8_000, 96_000])
def test_unusual_sampling_rates_are_transcribed(dossier, alice, tmp_path, rate, whisper_model_dir):
    samples, source_rate = read_wav(write_speech(tmp_path / "src.wav", "Bonjour docteur."))
    resampled = np.interp(
        np.arange(0, len(samples), source_rate / rate), np.arange(len(samples)), samples
    )
    path = write_samples(tmp_path / f"{rate}.wav", resampled, rate=rate)
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, path, alice)
    assert job.recording.sample_rate == rate
    transcription_pipeline.recording_transcribe(job_id=job.pk)
    transcript = Transcript.objects.get(recording=job.recording)
    assert "bonjour" in " ".join(s.text for s in transcript.segments.all()).lower()


def test_a_single_participant_track_is_labelled_with_its_speaker(dossier, alice, tone_wav):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, tone_wav, alice, speaker_label="parent")
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    speakers = set(
        Transcript.objects.get(recording=job.recording).segments.values_list("speaker", flat=True)
    )
    assert speakers == {"parent"}
