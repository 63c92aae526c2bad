"""Synthetic audio for tests: tones, silence and espeak-ng speech, written on the fly."""

import math
import struct
import wave
from pathlib import Path

from neddie.demo import synthesize


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
    import numpy as np

    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


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


def write_speech(path: Path, text: str, *, voice: str = "fr+f2", speed: int = 130) -> Path:
    # This voice and pace were the ones Whisper base understood best in a trial of
    # espeak-ng's French voices.
    return synthesize(text, path, voice=voice, speed=speed)
