"""French speech synthesis (Kokoro-82M): phonemes, runs, resampling, the packaged voices, and
the real model heard by the real Whisper base."""

import hashlib
import io
import re
import tarfile
import wave
from pathlib import Path

import numpy as np
import pytest

from neddie import speech_synthesis
from neddie.model_files import ModelFilesError, NpmArchive, prepare_npm_files
from neddie.speech_synthesis import (
    CLINICIAN_VOICE,
    MAX_IDS,
    OTHER_VOICE,
    SAMPLE_RATE,
    VOCAB,
    SpeechSynthesisError,
    default_model_dir,
    phonemize,
    resample,
    synthesize,
    synthesize_dialogue,
    token_runs,
)

SENTENCE = "Bonjour madame. Nous commençons la consultation pour votre fils Léo, qui a trois ans."


def word_error_rate(reference: str, heard: str) -> float:
    def words(text):
        return re.findall(r"[a-zàâçéèêëîïôûùüÿœ0-9]+", text.lower().replace("'", " "))

    ref, hyp = words(reference), words(heard)
    distances = list(range(len(hyp) + 1))
    for i, expected in enumerate(ref, 1):
        previous, distances[0] = distances[:], i
        for j, got in enumerate(hyp, 1):
            distances[j] = min(
                previous[j] + 1, distances[j - 1] + 1, previous[j - 1] + (expected != got)
            )
    return distances[-1] / len(ref)


def test_phonemes_keep_the_punctuation_and_use_only_kokoros_vocabulary():
    sentences = phonemize("Bonjour docteur. Il joue seul, le week-end ? Oui !")
    assert len(sentences) == 3
    assert [s[-1] for s in sentences] == [".", "?", "!"]
    assert "," in sentences[1]
    assert all(symbol in VOCAB for sentence in sentences for symbol in sentence)
    assert "(" not in "".join(sentences)  # espeak-ng's language switches are dropped
    assert sentences[0].startswith("bɔ̃ʒˈuʁ")
    (age,) = phonemize("Il a 2,5 ans.")  # a decimal comma is no clause end
    assert "," not in age and "viʁɡˈyl" in age


def test_a_long_text_is_spoken_in_runs_cut_at_sentence_ends():
    runs = token_runs(" ".join([SENTENCE] * 12))
    assert len(runs) > 1
    assert all(0 < len(ids) <= MAX_IDS for ids in runs)
    assert all(ids[-1] == VOCAB["."] for ids in runs)


def test_resampling_keeps_the_band_and_removes_what_is_above_it():
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    kept = resample(0.5 * np.sin(2 * np.pi * 1000 * t), SAMPLE_RATE, 16_000)
    assert kept.size == 16_000
    reference = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(16_000) / 16_000)
    assert np.max(np.abs(kept[200:-200] - reference[200:-200])) < 0.01
    removed = resample(0.5 * np.sin(2 * np.pi * 10_000 * t), SAMPLE_RATE, 16_000)
    assert np.max(np.abs(removed[200:-200])) < 0.01  # above 8 kHz: no alias left


def test_a_missing_model_says_how_to_prepare_it(tmp_path):
    with pytest.raises(SpeechSynthesisError, match="make models"):
        synthesize("Bonjour.", model_dir=tmp_path / "nowhere")


def test_a_missing_voice_or_an_unknown_one_is_a_clear_error(tmp_path):
    folder = tmp_path / "kokoro"
    folder.mkdir()
    (folder / "model.onnx").symlink_to(default_model_dir() / "model.onnx")
    with pytest.raises(SpeechSynthesisError, match="Voix de synthèse introuvable"):
        synthesize("Bonjour.", model_dir=folder)
    with pytest.raises(SpeechSynthesisError, match="Voix inconnue"):
        synthesize("Bonjour.", voice="fr+f2", model_dir=folder)


def test_without_espeak_ng_the_error_says_to_install_it(monkeypatch):
    monkeypatch.setattr(speech_synthesis.shutil, "which", lambda name: None)
    with pytest.raises(SpeechSynthesisError, match="apt-get install espeak-ng"):
        phonemize("Bonjour.")


def _npm_tarball(path: Path, members: dict[str, bytes]) -> str:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_voices_are_taken_from_the_pinned_npm_tarball_only(tmp_path):
    voice = b"\x00" * 1024
    archive_path = tmp_path / "voices-1.0.0.tgz"
    sha = _npm_tarball(archive_path, {"package/voices/v.bin": voice, "package/x.js": b"code"})
    archive = NpmArchive(
        "voices", "1.0.0", sha, (("package/voices/v.bin", hashlib.sha256(voice).hexdigest()),)
    )
    folder = tmp_path / "model" / "voices"
    assert prepare_npm_files(archive, archive_path, folder) == [folder / "v.bin"]
    assert (folder / "v.bin").read_bytes() == voice
    assert sorted(p.name for p in folder.iterdir()) == ["v.bin"]  # nothing else extracted

    archive_path.unlink()  # in place already: the tarball is not needed again
    assert prepare_npm_files(archive, archive_path, folder) == [folder / "v.bin"]
    (folder / "v.bin").write_bytes(b"changed")
    with pytest.raises(
        ModelFilesError, match=re.escape("registry.npmjs.org/voices/-/voices-1.0.0.tgz")
    ):
        prepare_npm_files(archive, archive_path, folder)

    _npm_tarball(archive_path, {"package/voices/v.bin": b"another voice"})
    with pytest.raises(ModelFilesError, match="does not match its pinned sha256"):
        prepare_npm_files(archive, archive_path, folder)
    pinned_tarball = NpmArchive(
        "voices", "1.0.0", hashlib.sha256(archive_path.read_bytes()).hexdigest(), archive.files
    )
    with pytest.raises(ModelFilesError, match=re.escape("package/voices/v.bin does not match")):
        prepare_npm_files(pinned_tarball, archive_path, folder)


def test_speech_is_deterministic_and_dialogues_are_16_khz_wav(tmp_path):
    first = synthesize("Bonjour docteur.")
    assert first.dtype == np.float32 and 0.5 < first.size / SAMPLE_RATE < 3
    assert np.array_equal(first, synthesize("Bonjour docteur."))
    # Silence trimmed: the voice is heard within 0.2 s of both ends.
    assert np.abs(first[: SAMPLE_RATE // 5]).max() > 0.01
    assert np.abs(first[-SAMPLE_RATE // 5 :]).max() > 0.01

    roles = {"clinician": CLINICIAN_VOICE, "parent": OTHER_VOICE}
    output = synthesize_dialogue(
        [("clinician", "Bonjour."), ("parent", "Bonjour.")], tmp_path / "d.wav", roles
    )
    with wave.open(str(output), "rb") as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (16_000, 1, 2)
        assert audio.getnframes() / 16_000 > 1.4  # two words and two pauses


@pytest.mark.whisper
@pytest.mark.parametrize("voice", [CLINICIAN_VOICE, OTHER_VOICE])
def test_whisper_base_transcribes_the_synthesized_french_with_few_errors(
    voice, whisper_model_dir, tmp_path
):
    from transcription.engine import FasterWhisperTranscriber

    path = synthesize_dialogue([(voice, SENTENCE)], tmp_path / "phrase.wav")
    result = FasterWhisperTranscriber(whisper_model_dir, cpu_threads=2).transcribe(
        path, language="fr"
    )
    heard = " ".join(segment.text for segment in result.segments)
    assert word_error_rate(SENTENCE, heard) <= 0.15, heard
