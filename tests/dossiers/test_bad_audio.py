"""Bad recordings: each is refused with a clear reason, or transcribed as far as it is
readable; nothing crashes the worker and nothing half-stored is left behind."""

import struct

import pytest

from dossiers import services
from dossiers.models import Recording
from tests.factories import ConsultationFactory
from tests.fakes import FakeTranscriber
from tests.uploads import upload
from transcription import pipeline as transcription_pipeline
from transcription.models import PipelineJob


@pytest.fixture
def consultation(dossier, alice):
    return ConsultationFactory(dossier=dossier, created_by=alice)


def test_a_truncated_recording_is_transcribed_as_far_as_it_goes(
    consultation, alice, french_speech, tmp_path
):
    data = french_speech.read_bytes()
    truncated = tmp_path / "coupe.wav"
    truncated.write_bytes(data[: len(data) * 2 // 3])  # the header still claims the full length
    job = upload(consultation, truncated, alice)
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    job.refresh_from_db()
    assert job.status == PipelineJob.Status.DONE


def to_opus(wav, output):
    """Re-encode a WAV as Ogg/Opus, the format teleconsultation tools often export."""
    import av

    with av.open(str(wav)) as source, av.open(str(output), "w", format="ogg") as target:
        stream = target.add_stream("libopus", rate=48_000)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
        for frame in source.decode(audio=0):
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):
                    target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    return output


def test_a_recording_damaged_in_the_middle_does_not_crash_the_pipeline(
    consultation, alice, french_speech, tmp_path
):
    source = to_opus(french_speech, tmp_path / "source.ogg").read_bytes()
    middle = len(source) // 2
    damaged = tmp_path / "abime.ogg"
    damaged.write_bytes(source[:middle] + bytes(2048) + source[middle + 2048 :])
    job = upload(consultation, damaged, alice)
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    job.refresh_from_db()
    # Either transcribed as far as readable, or failed with a reason: never a crash.
    assert job.status == PipelineJob.Status.DONE or (
        job.status == PipelineJob.Status.FAILED and job.error_message
    )


def test_an_unsupported_codec_is_refused_at_upload(consultation, alice, tmp_path):
    # A WAV header naming a codec no decoder knows (format tag 0x7777).
    payload = bytes(16_000)
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + len(payload))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 0x7777, 1, 16_000, 32_000, 2, 16)
        + b"data"
        + struct.pack("<I", len(payload))
    )
    path = tmp_path / "codec.wav"
    path.write_bytes(header + payload)
    with pytest.raises(services.ServiceError, match="n'est pas un enregistrement audio lisible"):
        upload(consultation, path, alice)
    assert Recording.objects.count() == 0


def test_a_video_file_without_sound_is_refused(consultation, alice, tmp_path):
    import av
    import numpy as np

    path = tmp_path / "video.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height = 64, 64
        for _ in range(10):
            frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(services.ServiceError, match="ne contient pas de piste audio"):
        upload(consultation, path, alice)
    assert Recording.objects.count() == 0


FORMATS = [
    # (file name, container, codec, sample rate)
    ("seance.mp3", "mp3", "mp3", 44_100),
    ("seance.m4a", "ipod", "aac", 44_100),
    ("seance.ogg", "ogg", "libopus", 48_000),
    ("seance.webm", "webm", "libopus", 48_000),
    ("seance.flac", "flac", "flac", 22_050),
    ("seance.mp4", "mp4", "aac", 48_000),
]


def encode(wav, output, container, codec, rate):
    import av

    with av.open(str(wav)) as source, av.open(str(output), "w", format=container) as target:
        stream = target.add_stream(codec, rate=rate)
        stream.layout = "mono"
        sample_format = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=sample_format, layout="mono", rate=rate)
        for frame in source.decode(audio=0):
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):
                    target.mux(packet)
        for resampled in resampler.resample(None):
            for packet in stream.encode(resampled):
                target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    return output


@pytest.mark.whisper
@pytest.mark.parametrize(("name", "container", "codec", "rate"), FORMATS)
def test_common_formats_are_transcribed(
    consultation, alice, french_speech, tmp_path, whisper_model_dir, name, container, codec, rate
):
    path = encode(french_speech, tmp_path / name, container, codec, rate)
    job = upload(consultation, path, alice)
    transcription_pipeline.recording_transcribe(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == PipelineJob.Status.DONE, job.error_message
    text = " ".join(job.recording.transcript.segments.values_list("text", flat=True)).lower()
    assert "bonjour" in text
