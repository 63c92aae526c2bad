"""Real Whisper weights (the packaged base model) on French speech spoken by Kokoro."""

import re

import pytest

from tests.audio import FRENCH_SENTENCE, probe_signals, write_samples, write_speech
from transcription.engine import FasterWhisperTranscriber, TranscriptionEngineError

pytestmark = pytest.mark.whisper


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-zàâçéèêëîïôûùüÿœ]+", text.lower()))


@pytest.fixture(scope="module")
def transcriber(whisper_model_dir):
    return FasterWhisperTranscriber(whisper_model_dir, cpu_threads=2)


def test_french_speech_is_transcribed_with_its_words_and_timestamps(transcriber, french_speech):
    progress = []
    result = transcriber.transcribe(french_speech, language="fr", on_progress=progress.append)

    heard = words(" ".join(segment.text for segment in result.segments))
    # Kokoro's voice is clear to the base model (every word heard here): one slip allowed.
    assert len(words(FRENCH_SENTENCE) - heard) <= 1, heard
    assert result.language == "fr"
    starts = [segment.start for segment in result.segments]
    assert starts == sorted(starts)
    for segment in result.segments:
        assert 0 <= segment.start < segment.end <= result.duration_seconds + 0.5
        assert segment.speaker == "inconnu"
        assert 0 < segment.confidence <= 1
    assert progress and progress[-1] == pytest.approx(1.0, abs=0.2)


def test_a_tone_produces_no_words(transcriber, tone_wav):
    result = transcriber.transcribe(tone_wav, language="fr")
    assert result.segments == []


@pytest.mark.parametrize("name", list(probe_signals(1).keys()))
def test_silence_noise_and_music_produce_no_text_even_with_a_vocabulary_prompt(
    transcriber, tmp_path, name
):
    # Without voice activity detection, Whisper "hears" the prompt terms in these probes.
    probe = write_samples(tmp_path / f"{name}.wav", probe_signals()[name])
    result = transcriber.transcribe(probe, language="fr", vocabulary=VOCABULARY)
    assert [segment.text for segment in result.segments] == []


VOCABULARY = ["ADOS-2", "ADI-R", "Vineland", "orthophoniste", "psychomotricien", "écholalie"]


@pytest.fixture(scope="module")
def clinical_speech(tmp_path_factory):
    return write_speech(
        tmp_path_factory.mktemp("vocabulaire") / "outils.wav",
        "Nous avons fait passer l'ADOS 2 et l'ADI R, puis l'échelle de Vineland. "
        "L'orthophoniste a noté une écholalie.",
    )


def test_protocol_vocabulary_helps_spell_clinical_terms(transcriber, clinical_speech):
    plain = words(
        " ".join(s.text for s in transcriber.transcribe(clinical_speech, language="fr").segments)
    )
    primed = transcriber.transcribe(clinical_speech, language="fr", vocabulary=VOCABULARY)
    heard = words(" ".join(s.text for s in primed.segments))
    assert {"ados", "vineland", "orthophoniste", "écholalie"} <= heard
    assert not {"ados", "vineland"} & plain  # the prompt made the difference


def test_transcription_is_reproducible(transcriber, clinical_speech):
    first = transcriber.transcribe(clinical_speech, language="fr", vocabulary=VOCABULARY)
    second = transcriber.transcribe(clinical_speech, language="fr", vocabulary=VOCABULARY)
    assert first.segments == second.segments


def test_word_timestamps_fall_inside_their_segment(transcriber, french_speech):
    result = transcriber.transcribe(french_speech, language="fr")
    for segment in result.segments:
        assert segment.words
        assert "".join(w.word for w in segment.words).strip() == segment.text
        for word in segment.words:
            assert segment.start - 0.05 <= word.start <= word.end <= segment.end + 0.05
            assert 0 <= word.probability <= 1


def test_missing_model_folder_says_how_to_prepare_it(tmp_path):
    with pytest.raises(TranscriptionEngineError, match="prepare_models"):
        FasterWhisperTranscriber(tmp_path / "nowhere")
