import pytest

from transcription import engine as transcription
from transcription import transcribers


@pytest.fixture(autouse=True)
def _fresh_engine_cache():
    transcribers.get_transcriber.cache_clear()
    yield
    transcribers.get_transcriber.cache_clear()


def test_an_unknown_engine_is_named_in_the_error(settings):
    settings.TRANSCRIPTION_ENGINE = "whisper-cpp"
    with pytest.raises(transcription.TranscriptionEngineError, match="whisper-cpp"):
        transcribers.get_transcriber()


@pytest.mark.whisper
def test_the_default_engine_is_faster_whisper(settings, whisper_model_dir):
    assert transcribers.get_transcriber().engine == "faster-whisper"


@pytest.mark.whisper
def test_openai_whisper_is_chosen_by_setting(settings, whisper_model_dir, tmp_path):
    settings.TRANSCRIPTION_ENGINE = "openai-whisper"
    settings.OPENAI_WHISPER_CHECKPOINT = tmp_path / "absent.pt"  # falls back to converting
    engine = transcribers.get_transcriber()
    assert engine.engine == "openai-whisper"
