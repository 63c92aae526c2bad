"""Natural French speech from text: Kokoro-82M (ONNX) speaking espeak-ng's French phonemes.

Makes the demo recording and the recordings that tests and benchmarks use as speech (a
neural voice that Whisper transcribes almost as a person, where espeak-ng's own robotic
voice was misheard most of the time). Nothing here comes from a real patient.

The steps (../shared/MODELS.md): ``espeak-ng -q --ipa -v fr-fr`` gives each clause's
phonemes, mapped through Kokoro's 114-symbol vocabulary; the ONNX session turns at most 510
ids, with the voice's style vector for that length, into 24 kHz mono audio. The model and
voices are assembled and hash-checked by ``manage.py prepare_models`` (neddie/model_files.py).
Imports no Django app: the models folder comes from the caller or from the settings.
"""

import functools
import hashlib
import json
import re
import shutil
import subprocess
import wave
from collections.abc import Iterable, Mapping
from math import gcd
from pathlib import Path

import numpy as np

from neddie.model_files import (
    KOKORO_82M,
    KOKORO_VOICES,
    KOKORO_VOICES_DIR,
    ModelFilesError,
    file_sha256,
    verify_model_folder,
)

SAMPLE_RATE = 24_000  # Kokoro's output
WAV_RATE = 16_000  # what Whisper works on: dialogue files are written at this rate
MAX_IDS = 510  # Kokoro's context, less the two padding tokens
CLINICIAN_VOICE = "ff_siwis"  # French, female (SIWIS corpus)
OTHER_VOICE = "if_sara"  # a second, distinct voice for the other party of a dialogue
# Changes whenever the same text and voice would sound different: keys the caches.
SYNTHESIS_VERSION = 1

# Kokoro's phoneme vocabulary: symbol → token id (from kokoro-onnx's config.json,
# github.com/thewh1teagle/kokoro-onnx, MIT License, Copyright (c) 2025 thewh1teagle).
VOCAB = {
    ";": 1, ":": 2, ",": 3, ".": 4, "!": 5, "?": 6, "—": 9, "…": 10, '"': 11, "(": 12,
    ")": 13, "“": 14, "”": 15, " ": 16, "\u0303": 17, "ʣ": 18, "ʥ": 19, "ʦ": 20, "ʨ": 21,
    "ᵝ": 22, "ꭧ": 23, "A": 24, "I": 25, "O": 31, "Q": 33, "S": 35, "T": 36, "W": 39, "Y": 41,
    "ᵊ": 42, "a": 43, "b": 44, "c": 45, "d": 46, "e": 47, "f": 48, "h": 50, "i": 51, "j": 52,
    "k": 53, "l": 54, "m": 55, "n": 56, "o": 57, "p": 58, "q": 59, "r": 60, "s": 61, "t": 62,
    "u": 63, "v": 64, "w": 65, "x": 66, "y": 67, "z": 68, "ɑ": 69, "ɐ": 70, "ɒ": 71, "æ": 72,
    "β": 75, "ɔ": 76, "ɕ": 77, "ç": 78, "ɖ": 80, "ð": 81, "ʤ": 82, "ə": 83, "ɚ": 85, "ɛ": 86,
    "ɜ": 87, "ɟ": 90, "ɡ": 92, "ɥ": 99, "ɨ": 101, "ɪ": 102, "ʝ": 103, "ɯ": 110, "ɰ": 111,
    "ŋ": 112, "ɳ": 113, "ɲ": 114, "ɴ": 115, "ø": 116, "ɸ": 118, "θ": 119, "œ": 120, "ɹ": 123,
    "ɾ": 125, "ɻ": 126, "ʁ": 128, "ɽ": 129, "ʂ": 130, "ʃ": 131, "ʈ": 132, "ʧ": 133, "ʊ": 135,
    "ʋ": 136, "ʌ": 138, "ɣ": 139, "ɤ": 140, "χ": 142, "ʎ": 143, "ʒ": 147, "ʔ": 148, "ˈ": 156,
    "ˌ": 157, "ː": 158, "ʰ": 162, "ʲ": 164, "↓": 169, "→": 171, "↗": 172, "↘": 173, "ᵻ": 177,
}  # fmt: skip

_CLAUSE = re.compile(r"([^,;:.!?…]+)([,;:.!?…]*)")
_SENTENCE_END = frozenset(".!?…")
_LANGUAGE_SWITCH = re.compile(r"\([a-z-]+\)")  # espeak-ng's "(en)…(fr)" around foreign words
_SENTENCE_GAP_SECONDS = 0.25  # between two runs of the model, cut at a sentence end


class SpeechSynthesisError(RuntimeError):
    """Speech cannot be synthesized: the model, a voice or espeak-ng is missing."""


def default_model_dir() -> Path:
    """The Kokoro folder that `prepare_models` assembles under the models directory."""
    from django.conf import settings

    return Path(settings.MODELS_DIR) / KOKORO_82M.name


def _espeak() -> str:
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SpeechSynthesisError(
            "espeak-ng est introuvable : il donne les phonèmes de la synthèse vocale "
            "(apt-get install espeak-ng)."
        )
    return binary


def _normalize(text: str) -> str:
    text = text.replace("’", "'").replace("«", " ").replace("»", " ").replace('"', " ")
    text = re.sub(r"[()\[\]]", ",", text)
    text = re.sub(r"(?<=\d)[,.](?=\d)", " virgule ", text)  # 2,5 ans: not a clause end
    return re.sub(r"\s+", " ", text).strip()


def phonemize(text: str) -> list[str]:
    """Each sentence of ``text`` as Kokoro phonemes, its clauses' punctuation kept."""
    binary = _espeak()
    sentences, current = [], []
    for words, punctuation in _CLAUSE.findall(_normalize(text)):
        if words.strip():
            result = subprocess.run(
                [binary, "-q", "--ipa", "-v", "fr-fr", words.strip()],
                check=True,
                capture_output=True,
                text=True,
            )
            ipa = _LANGUAGE_SWITCH.sub("", " ".join(result.stdout.split()))
            phonemes = "".join(symbol for symbol in ipa if symbol in VOCAB)
            current.append(phonemes + punctuation[:1])
        elif current and punctuation:
            current[-1] += punctuation[:1]
        if current and punctuation and punctuation[-1] in _SENTENCE_END:
            sentences.append(" ".join(current))
            current = []
    if current:
        sentences.append(" ".join(current))
    return [sentence for sentence in sentences if sentence.strip(" ,;:.!?…")]


def _pieces(sentence: str) -> list[str]:
    """A sentence that is too long for one run, cut at clause ends, else at word ends."""
    if len(sentence) <= MAX_IDS:
        return [sentence]
    pieces, current = [], ""
    for part in re.split(r"(?<=[,;:]) ", sentence) if "," in sentence else sentence.split(" "):
        while len(part) > MAX_IDS:
            pieces.append(part[:MAX_IDS])
            part = part[MAX_IDS:]
        if current and len(current) + 1 + len(part) > MAX_IDS:
            pieces.append(current)
            current = part
        else:
            current = f"{current} {part}" if current else part
    return [*pieces, current] if current else pieces


def token_runs(text: str) -> list[list[int]]:
    """Token ids for each run of the model: whole sentences, at most MAX_IDS ids a run."""
    runs, current = [], ""
    for sentence in phonemize(text):
        for piece in _pieces(sentence):
            if current and len(current) + 1 + len(piece) > MAX_IDS:
                runs.append(current)
                current = piece
            else:
                current = f"{current} {piece}" if current else piece
    if current:
        runs.append(current)
    return [[VOCAB[symbol] for symbol in run] for run in runs]


@functools.cache
def _session(model_path: str):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # A fixed number of threads: the same text gives the same samples on every machine.
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(
        model_path, sess_options=options, providers=["CPUExecutionProvider"]
    )


def _model_file(model_dir: Path) -> Path:
    target = model_dir / KOKORO_82M.target
    if not target.is_file():
        raise SpeechSynthesisError(
            f"Modèle de synthèse vocale introuvable ({target}) : lancez `make models` "
            "(ou `manage.py prepare_models`)."
        )
    return target


def _model(model_dir: Path):
    target = _model_file(model_dir)
    try:
        verify_model_folder(model_dir)
    except ModelFilesError as exc:
        raise SpeechSynthesisError(str(exc)) from exc
    return _session(str(target))


@functools.cache
def _voice_cached(path: str, sha256: str) -> np.ndarray:
    if file_sha256(Path(path)) != sha256:
        raise SpeechSynthesisError(
            f"La voix {path} ne correspond pas à son empreinte sha256 : lancez `make models`."
        )
    return np.fromfile(path, dtype="<f4").reshape(-1, 1, 256)


def voice_sha256(voice: str) -> str:
    for member, sha256 in KOKORO_VOICES.files:
        if Path(member).stem == voice:
            return sha256
    known = ", ".join(Path(member).stem for member, _ in KOKORO_VOICES.files)
    raise SpeechSynthesisError(f"Voix inconnue : {voice} (voix disponibles : {known}).")


def _voice(model_dir: Path, voice: str) -> np.ndarray:
    sha256 = voice_sha256(voice)
    path = model_dir / KOKORO_VOICES_DIR / f"{voice}.bin"
    if not path.is_file():
        raise SpeechSynthesisError(
            f"Voix de synthèse introuvable ({path}) : lancez `make models` "
            "(ou `manage.py prepare_models`)."
        )
    return _voice_cached(str(path), sha256)


def trim_silence(samples: np.ndarray, *, top_db: float = 40.0, margin_seconds=0.05):
    """Drop the leading and trailing frames quieter than ``top_db`` below the loudest."""
    frame, hop = 1200, 300  # 50 ms frames every 12.5 ms at 24 kHz
    if samples.size < frame:
        return samples
    count = 1 + (samples.size - frame) // hop
    frames = np.lib.stride_tricks.as_strided(
        samples, shape=(count, frame), strides=(samples.strides[0] * hop, samples.strides[0])
    )
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    loud = np.flatnonzero(rms > rms.max() * 10 ** (-top_db / 20))
    if loud.size == 0:
        return samples[:0]
    margin = int(margin_seconds * SAMPLE_RATE)
    start = max(0, loud[0] * hop - margin)
    end = min(samples.size, loud[-1] * hop + frame + margin)
    return samples[start:end]


def synthesize(
    text: str, voice: str = CLINICIAN_VOICE, *, speed: float = 1.0, model_dir: Path | None = None
) -> np.ndarray:
    """``text`` spoken in French by ``voice``: float32 samples at 24 kHz (SAMPLE_RATE)."""
    model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
    _model_file(model_dir)
    styles = _voice(model_dir, voice)
    session = _model(model_dir)
    gap = np.zeros(int(_SENTENCE_GAP_SECONDS * SAMPLE_RATE), dtype=np.float32)
    pieces = []
    for ids in token_runs(text):
        (audio,) = session.run(
            None,
            {
                "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                "style": styles[len(ids) - 1],
                "speed": np.array([speed], dtype=np.float32),
            },
        )
        if pieces:
            pieces.append(gap)
        pieces.append(trim_silence(np.asarray(audio, dtype=np.float32).reshape(-1)))
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Band-limited rational resampling (Kaiser-windowed sinc, polyphase by zero stuffing)."""
    if source_rate == target_rate:
        return samples.astype(np.float32)
    common = gcd(source_rate, target_rate)
    up, down = target_rate // common, source_rate // common
    if up * down > 1000:
        raise ValueError(f"Unsupported resampling ratio {source_rate} → {target_rate}.")
    factor = max(up, down)
    half = 16 * factor
    taps = np.arange(-half, half + 1)
    kernel = np.sinc(taps / factor) / factor * np.kaiser(taps.size, 8.0) * up
    stuffed = np.zeros(samples.size * up, dtype=np.float64)
    stuffed[::up] = samples
    filtered = np.convolve(stuffed, kernel)[half : half + stuffed.size]
    return filtered[::down].astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """Float samples in [-1, 1] as a 16-bit mono WAV."""
    pcm = (np.clip(samples, -1, 1) * 32767).round().astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def synthesize_to_wav(
    text: str,
    output_wav: Path,
    voice: str = CLINICIAN_VOICE,
    *,
    rate: int = WAV_RATE,
    model_dir: Path | None = None,
) -> Path:
    """``text`` spoken by ``voice`` into a 16-bit mono WAV at ``rate`` (16 kHz by default)."""
    samples = synthesize(text, voice, model_dir=model_dir)
    return write_wav(Path(output_wav), resample(samples, SAMPLE_RATE, rate), rate)


def synthesize_dialogue(
    turns: Iterable[tuple[str, str]],
    output_wav: Path,
    voices: Mapping[str, str] | None = None,
    *,
    pause_seconds: float = 0.7,
    rate: int = WAV_RATE,
    model_dir: Path | None = None,
) -> Path:
    """Speak each (role, text) turn in its role's voice (``voices[role]``, or the role itself
    when it names a voice), a pause after each, into one 16-bit mono WAV at ``rate``."""
    voices = voices or {}
    pause = np.zeros(int(pause_seconds * SAMPLE_RATE), dtype=np.float32)
    parts = []
    for role, text in turns:
        parts += [synthesize(text, voices.get(role, role), model_dir=model_dir), pause]
    samples = np.concatenate(parts) if parts else pause
    return write_wav(Path(output_wav), resample(samples, SAMPLE_RATE, rate), rate)


def fingerprint(**content) -> str:
    """A cache key for audio made from ``content`` (texts, voices, rate): it changes with
    the model, the voices' files or the synthesis steps."""
    payload = {
        "model": KOKORO_82M.sha256,
        "voices": dict(KOKORO_VOICES.files),
        "version": SYNTHESIS_VERSION,
        **content,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
