"""Synthetic audio for tests: tones, silence, and French speech spoken by Kokoro (a neural
voice that Whisper base transcribes almost word for word; neddie/speech_synthesis.py)."""

import math
import os
import shutil
import struct
import tempfile
import wave
from pathlib import Path

from django.conf import settings

from neddie.speech_synthesis import (
    CLINICIAN_VOICE,
    WAV_RATE,
    fingerprint,
    synthesize_to_wav,
)


def write_tone(path: Path, *, seconds: float, rate: int = 16_000, frequency: float = 440.0) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * i / rate)))
            for i in range(int(seconds * rate))
        )
        out.writeframes(b"".join(frames))
    return path


def write_samples(path: Path, samples, *, rate: int = 16_000) -> Path:
    """Write float samples in [-1, 1] as a 16-bit mono WAV."""
    from neddie.speech_synthesis import write_wav

    return write_wav(path, samples, rate)


def probe_signals(seconds: float = 20.0, rate: int = 16_000) -> dict:
    """Sounds that are not speech: what a recording holds between and around words."""
    import numpy as np

    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * rate)) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0))
    return {
        "silence": np.zeros_like(t),
        "bruit-blanc": 0.1 * rng.standard_normal(t.size),
        "bruit-grave": np.cumsum(rng.standard_normal(t.size)) / 1500,
        "musique": 0.2 * chord * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t)),
        "clics": np.where((np.arange(t.size) % (rate // 2)) < 40, 0.8, 0.0),
        "ronflement-secteur": 0.3 * np.sin(2 * np.pi * 50 * t),
    }


# The sentence of the ``french_speech`` fixture.
FRENCH_SENTENCE = "Bonjour docteur. Mon enfant joue avec ses voitures à la maison."


def speech_cache_dir() -> Path:
    """Where spoken sentences are kept between test sessions: synthesis takes about real
    time on one core, and the same text, voice and model always give the same samples."""
    return Path(os.environ.get("NEDDIE_SPEECH_CACHE", settings.DATA_DIR / "cache" / "speech"))


def write_speech(
    path: Path, text: str, *, voice: str = CLINICIAN_VOICE, rate: int = WAV_RATE
) -> Path:
    """``text`` spoken in French by ``voice`` into a 16-bit mono WAV at ``rate``."""
    cached = speech_cache_dir() / f"{fingerprint(text=text, voice=voice, rate=rate)}.wav"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cached.parent, suffix=".partial", delete=False) as tmp:
            partial = Path(tmp.name)
        try:
            synthesize_to_wav(text, partial, voice, rate=rate)
            os.replace(partial, cached)
        finally:
            partial.unlink(missing_ok=True)
    shutil.copyfile(cached, path)
    return path


def read_samples(path: Path):
    """A 16-bit mono WAV as float samples in [-1, 1], and its rate."""
    import numpy as np

    with wave.open(str(path), "rb") as audio:
        pcm = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
        return pcm.astype(np.float32) / 32767, audio.getframerate()


def write_sentences(
    path: Path, texts: list[str], *, pause_seconds: float, voice: str = CLINICIAN_VOICE
) -> Path:
    """Sentences spoken one after the other, each followed by a pause, into one 16 kHz WAV."""
    import numpy as np

    parts = []
    with tempfile.TemporaryDirectory() as folder:
        for i, text in enumerate(texts):
            samples, rate = read_samples(write_speech(Path(folder) / f"{i}.wav", text, voice=voice))
            parts += [samples, np.zeros(int(pause_seconds * rate), dtype=np.float32)]
    return write_samples(path, np.concatenate(parts), rate=WAV_RATE)
