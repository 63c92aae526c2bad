"""Synthetic audio for tests: tones, silence and espeak-ng speech, written on the fly."""

import math
import struct
import wave
from pathlib import Path

from reports.demo import synthesize


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


def write_speech(path: Path, text: str, *, voice: str = "fr+f2", speed: int = 130) -> Path:
    # This voice and pace were the ones Whisper base understood best in a trial of
    # espeak-ng's French voices.
    return synthesize(text, path, voice=voice, speed=speed)
