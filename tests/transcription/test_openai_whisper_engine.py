"""openai-whisper, the second engine: the packaged CTranslate2 weights converted to an
openai-whisper checkpoint, transcribing Kokoro's French speech behind the same interface."""

import dataclasses
import json
import re
import typing

import pytest

from tests.audio import FRENCH_SENTENCE, probe_signals, write_samples, write_speech
from transcription.engine import (
    FasterWhisperTranscriber,
    TranscribedSegment,
    TranscribedWord,
    TranscriptionResult,
)

pytestmark = pytest.mark.whisper

VOCABULARY = ["ADOS-2", "ADI-R", "Vineland", "orthophoniste", "psychomotricien", "écholalie"]


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-zàâçéèêëîïôûùüÿœ]+", text.lower()))


@pytest.fixture(scope="module")
def checkpoint(whisper_model_dir, tmp_path_factory):
    from transcription.whisper_conversion import convert_ctranslate2_to_openai_whisper

    output = tmp_path_factory.mktemp("openai-whisper") / "whisper-base.pt"
    return convert_ctranslate2_to_openai_whisper(whisper_model_dir, output)


@pytest.fixture(scope="module")
def transcriber(checkpoint):
    from transcription.openai_whisper_engine import OpenAIWhisperTranscriber

    return OpenAIWhisperTranscriber(checkpoint, cpu_threads=2)


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    return write_speech(tmp_path_factory.mktemp("parole") / "parole.wav", FRENCH_SENTENCE)


@pytest.fixture(scope="module")
def speech_result(transcriber, speech):
    progress = []
    result = transcriber.transcribe(speech, language="fr", on_progress=progress.append)
    return result, progress


def test_conversion_gives_a_checkpoint_that_whisper_load_model_loads(checkpoint, whisper_model_dir):
    import whisper

    from transcription.whisper_conversion import (
        convert_ctranslate2_to_openai_whisper,
        manifest_path,
    )

    # load_model builds the model from "dims" and loads the state dict with strict keys.
    model = whisper.load_model(str(checkpoint), device="cpu")
    assert model.dims.n_mels == 80
    assert model.dims.n_audio_ctx == 1500
    assert model.dims.n_text_ctx == 448
    assert model.dims.n_vocab == 51865
    assert (model.dims.n_audio_layer, model.dims.n_text_layer) == (6, 6)
    assert model.is_multilingual
    assert next(model.parameters()).dtype.is_floating_point

    manifest = json.loads(manifest_path(checkpoint).read_text())
    assert manifest["size"] == checkpoint.stat().st_size
    written = checkpoint.stat().st_mtime_ns
    # A second conversion of the same source keeps the file.
    assert convert_ctranslate2_to_openai_whisper(whisper_model_dir, checkpoint) == checkpoint
    assert checkpoint.stat().st_mtime_ns == written


def test_french_speech_is_transcribed_with_words_inside_their_segments(transcriber, speech_result):
    result, progress = speech_result
    heard = words(" ".join(segment.text for segment in result.segments))
    assert len(words(FRENCH_SENTENCE) - heard) <= 1, heard  # one slip allowed
    assert result.engine == "openai-whisper"
    assert result.model_name == "whisper-base"
    assert result.language == "fr"
    assert result.segments
    starts = [segment.start for segment in result.segments]
    assert starts == sorted(starts)
    for segment in result.segments:
        assert 0 <= segment.start < segment.end <= result.duration_seconds + 0.5
        assert segment.speaker == "inconnu"
        assert 0 < segment.confidence <= 1
        assert segment.words
        for word in segment.words:
            assert segment.start <= word.start <= word.end <= segment.end
    assert progress and progress[-1] == pytest.approx(1.0)


def test_output_has_the_default_engines_schema_and_types(speech_result):
    result, _ = speech_result
    assert isinstance(result, TranscriptionResult)
    hints = typing.get_type_hints(TranscribedSegment)
    for segment in result.segments:
        assert type(segment) is TranscribedSegment
        for name in ("start", "end", "confidence"):
            assert type(getattr(segment, name)) is float, name
        assert type(segment.text) is str
        assert type(segment.low_confidence) is bool
        assert isinstance(segment.words, tuple)
        for word in segment.words:
            assert type(word) is TranscribedWord
            assert [type(getattr(word, f.name)) for f in dataclasses.fields(word)] == [
                float,
                float,
                str,
                float,
            ]
    dicts = result.segments_as_dicts()
    assert dicts and set(dicts[0]) == set(hints)
    json.dumps(dicts)  # stored as JSON, like the default engine's


@pytest.fixture(scope="module")
def default_engine(whisper_model_dir):
    return FasterWhisperTranscriber(whisper_model_dir, cpu_threads=2)


def test_speech_is_placed_where_it_is_in_the_recording(
    transcriber, default_engine, speech, tmp_path
):
    """Only the speech is transcribed (VAD); timestamps are mapped back onto the recording,
    as the default engine maps them."""
    import numpy as np
    from faster_whisper import decode_audio

    voice = decode_audio(str(speech), sampling_rate=16_000)
    # Another sentence second: both engines write an exact repeat of the first clip only once.
    other = write_speech(tmp_path / "autre.wav", "Le matin, il refuse de manger.")
    second = decode_audio(str(other), sampling_rate=16_000)
    silence = np.zeros(16_000 * 4, dtype=np.float32)
    padded = write_samples(
        tmp_path / "decale.wav", np.concatenate([silence, voice, silence[: 16_000 * 3], second])
    )

    result = transcriber.transcribe(padded, language="fr")
    reference = default_engine.transcribe(padded, language="fr")
    assert {"docteur", "voitures", "manger"} <= words(" ".join(s.text for s in result.segments))
    assert 3.4 <= result.segments[0].start <= 4.5
    second_start = 4 + voice.size / 16_000 + 3
    assert second_start - 0.6 <= result.segments[-1].start <= second_start + 0.5
    # The same weights, the same VAD: the segments start where the default engine's do.
    assert [s.start for s in result.segments] == pytest.approx(
        [s.start for s in reference.segments], abs=0.3
    )
    for segment in result.segments:
        for word in segment.words:
            assert segment.start <= word.start <= word.end <= segment.end


@pytest.mark.parametrize("name", list(probe_signals(1).keys()))
def test_silence_noise_and_music_produce_no_text_even_with_a_vocabulary_prompt(
    transcriber, tmp_path, name
):
    probe = write_samples(tmp_path / f"{name}.wav", probe_signals(seconds=8.0)[name])
    result = transcriber.transcribe(probe, language="fr", vocabulary=VOCABULARY)
    assert [segment.text for segment in result.segments] == []
    assert result.duration_seconds == pytest.approx(8.0, abs=0.05)


def _kinds(mapping: dict) -> dict:
    """Field name -> JSON kind of its value (a numpy float counts as a float: faster-whisper's
    word timings are numpy floats, which JSON stores as numbers all the same)."""

    def kind(value):
        for python_type in (bool, int, float, str, list, tuple, dict, type(None)):
            if isinstance(value, python_type):
                return python_type
        return type(value)

    return {name: kind(value) for name, value in mapping.items()}


def test_both_engines_fill_the_same_fields(speech_result, default_engine, speech):
    openai_result, _ = speech_result
    faster_result = default_engine.transcribe(speech, language="fr")

    def head(result):
        return {k: v for k, v in dataclasses.asdict(result).items() if k != "segments"}

    assert _kinds(head(openai_result)) == _kinds(head(faster_result))
    assert openai_result.duration_seconds == pytest.approx(faster_result.duration_seconds)
    assert openai_result.language == faster_result.language
    assert openai_result.model_name == faster_result.model_name
    ours, theirs = openai_result.segments_as_dicts(), faster_result.segments_as_dicts()
    assert ours and theirs
    for mine, other in zip(ours, theirs, strict=False):
        assert _kinds(mine) == _kinds(other)
        assert _kinds(mine["words"][0]) == _kinds(other["words"][0])
    # Same weights: both hear the clear words.
    assert {"bonjour", "docteur"} <= words(" ".join(s.text for s in faster_result.segments))


def _tiny_ctranslate2_whisper(folder, quantization: str) -> dict:
    """A tiny random Whisper written by CTranslate2's own spec writer (the format the
    packaged model.bin uses), quantised as asked; returns the float32 weights it holds as
    openai-whisper names them."""
    import numpy as np
    from ctranslate2.specs import whisper_spec

    d, ff, mels, heads = 16, 64, 80, 2  # Whisper's MLP is 4 x d wide
    rng = np.random.default_rng(0)
    expected = {}

    def rand(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    def linear(spec, target, out, inp):
        spec.weight, spec.bias = rand(out, inp), rand(out)
        expected[f"{target}.weight"], expected[f"{target}.bias"] = spec.weight, spec.bias

    def fused(spec, target, names):
        spec.weight, spec.bias = rand(len(names) * d, d), rand(len(names) * d)
        for i, name in enumerate(names):
            rows = slice(i * d, (i + 1) * d)
            expected[f"{target}.{name}.weight"] = spec.weight[rows]
            if name == "key":
                spec.bias[rows] = 0  # Whisper's key projection has no bias
            else:
                expected[f"{target}.{name}.bias"] = spec.bias[rows]

    def norm(spec, target):
        spec.gamma, spec.beta = rand(d), rand(d)
        expected[f"{target}.weight"], expected[f"{target}.bias"] = spec.gamma, spec.beta

    def mlp(spec, target):
        linear(spec.linear_0, f"{target}.mlp.0", ff, d)
        linear(spec.linear_1, f"{target}.mlp.2", d, ff)
        norm(spec.layer_norm, f"{target}.mlp_ln")

    spec = whisper_spec.WhisperSpec(1, heads, 1, heads)
    encoder, decoder = spec.encoder, spec.decoder
    linear(encoder.conv1, "encoder.conv1", d, mels)
    encoder.conv1.weight = expected["encoder.conv1.weight"] = rand(d, mels, 3)
    linear(encoder.conv2, "encoder.conv2", d, d)
    encoder.conv2.weight = expected["encoder.conv2.weight"] = rand(d, d, 3)
    encoder.position_encodings.encodings = expected["encoder.positional_embedding"] = rand(8, d)
    norm(encoder.layer_norm, "encoder.ln_post")
    layer = encoder.layer[0]
    fused(layer.self_attention.linear[0], "encoder.blocks.0.attn", ("query", "key", "value"))
    linear(layer.self_attention.linear[1], "encoder.blocks.0.attn.out", d, d)
    norm(layer.self_attention.layer_norm, "encoder.blocks.0.attn_ln")
    mlp(layer.ffn, "encoder.blocks.0")

    decoder.embeddings.weight = expected["decoder.token_embedding.weight"] = rand(60, d)
    decoder.projection.weight = decoder.embeddings.weight
    decoder.position_encodings.encodings = expected["decoder.positional_embedding"] = rand(12, d)
    norm(decoder.layer_norm, "decoder.ln")
    layer = decoder.layer[0]
    fused(layer.self_attention.linear[0], "decoder.blocks.0.attn", ("query", "key", "value"))
    linear(layer.self_attention.linear[1], "decoder.blocks.0.attn.out", d, d)
    norm(layer.self_attention.layer_norm, "decoder.blocks.0.attn_ln")
    linear(layer.attention.linear[0], "decoder.blocks.0.cross_attn.query", d, d)
    fused(layer.attention.linear[1], "decoder.blocks.0.cross_attn", ("key", "value"))
    linear(layer.attention.linear[2], "decoder.blocks.0.cross_attn.out", d, d)
    norm(layer.attention.layer_norm, "decoder.blocks.0.cross_attn_ln")
    mlp(layer.ffn, "decoder.blocks.0")

    # Copies: CTranslate2 quantises the arrays it was given in place.
    expected = {name: value.copy() for name, value in expected.items()}
    spec.register_vocabulary([f"t{i}" for i in range(60)])
    spec.validate()
    spec.optimize(quantization=quantization)
    folder.mkdir()
    spec.save(str(folder))
    return expected


@pytest.mark.parametrize(
    ("quantization", "tolerance"),
    [("float32", 0), ("float16", 2e-3), ("bfloat16", 1e-2), ("int8", 1e-2), ("int16", 2e-3)],
)
def test_conversion_maps_every_tensor_and_dequantises(tmp_path, quantization, tolerance):
    import numpy as np
    import torch
    import whisper

    from transcription.whisper_conversion import convert_ctranslate2_to_openai_whisper

    expected = _tiny_ctranslate2_whisper(tmp_path / "ct2", quantization)
    output = convert_ctranslate2_to_openai_whisper(tmp_path / "ct2", tmp_path / "tiny.pt")

    checkpoint = torch.load(output, weights_only=True)
    assert checkpoint["dims"] == {
        "n_mels": 80,
        "n_audio_ctx": 8,
        "n_audio_state": 16,
        "n_audio_head": 2,
        "n_audio_layer": 1,
        "n_vocab": 60,
        "n_text_ctx": 12,
        "n_text_state": 16,
        "n_text_head": 2,
        "n_text_layer": 1,
    }
    state = checkpoint["model_state_dict"]
    assert set(state) == set(expected)
    for name, value in expected.items():
        converted = state[name].numpy()
        assert converted.dtype == np.float32, name
        # Relative to the largest magnitude of each row: int8 scales are per row.
        scale = np.abs(value).reshape(value.shape[0], -1).max(axis=1) if value.ndim > 1 else 1
        error = np.abs(converted - value).reshape(value.shape[0], -1).max(axis=1)
        assert np.all(error <= tolerance * np.maximum(scale, 1)), name
    whisper.load_model(str(output), device="cpu")  # strict keys and shapes


def test_a_missing_openai_whisper_is_a_clear_error(monkeypatch, tmp_path, whisper_model_dir):
    import sys

    from transcription.engine import TranscriptionEngineError
    from transcription.openai_whisper_engine import OpenAIWhisperTranscriber
    from transcription.whisper_conversion import (
        OpenAIWhisperMissingError,
        convert_ctranslate2_to_openai_whisper,
    )

    monkeypatch.setitem(sys.modules, "whisper", None)  # import whisper now fails
    with pytest.raises(OpenAIWhisperMissingError, match=r"requirements-openai-whisper\.txt"):
        convert_ctranslate2_to_openai_whisper(whisper_model_dir, tmp_path / "x.pt")
    with pytest.raises(TranscriptionEngineError, match="openai-whisper n'est pas installé"):
        OpenAIWhisperTranscriber(tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_a_corrupt_checkpoint_is_a_clear_error(tmp_path):
    from transcription.engine import TranscriptionEngineError
    from transcription.openai_whisper_engine import OpenAIWhisperTranscriber

    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(TranscriptionEngineError, match="inutilisable par openai-whisper"):
        OpenAIWhisperTranscriber(broken)
    with pytest.raises(TranscriptionEngineError, match="introuvable"):
        OpenAIWhisperTranscriber(tmp_path / "absent.pt")
