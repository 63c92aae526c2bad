"""Checks an uploaded recording before anything is stored: is it audio we can decode, and
is it within the limits? Errors carry a French message a clinician can act on."""

from dataclasses import dataclass
from pathlib import Path

import av
from django.template.defaultfilters import filesizeformat

# A probe decodes this much audio to prove the file is readable, without decoding it all.
_PROBE_DECODE_SECONDS = 2.0


class AudioInputError(ValueError):
    """The file cannot be accepted as a recording; ``message`` is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class AudioInfo:
    duration_seconds: float
    container: str
    codec: str
    sample_rate: int
    channels: int


def format_duration(seconds: float) -> str:
    """1 h 05 min, 12 min 30 s, 45 s: how durations are written in messages."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
    return f"{secs} s"


def probe_audio(path: Path, *, max_bytes: int, max_seconds: float) -> AudioInfo:
    """Return the recording's properties, or raise AudioInputError saying what is wrong.

    Reads the container header and decodes the first seconds only, so a long file is
    accepted or refused quickly. Refuses empty and oversized files before opening them.
    """
    size = path.stat().st_size
    if size == 0:
        raise AudioInputError("Le fichier est vide.")
    if size > max_bytes:
        raise AudioInputError(
            f"Le fichier est trop volumineux ({filesizeformat(size)}) ; "
            f"taille maximale : {filesizeformat(max_bytes)}."
        )
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = next(iter(container.streams.audio), None)
            if stream is None:
                raise AudioInputError("Le fichier ne contient pas de piste audio.")
            duration = _declared_duration(container, stream)
            if duration is not None and duration > max_seconds:
                raise AudioInputError(_too_long(duration, max_seconds))
            decoded = _decode_seconds(container, stream, limit=_PROBE_DECODE_SECONDS)
            if decoded == 0:
                raise AudioInputError(_UNREADABLE)
            if duration is None:
                # No duration in the header: count by decoding, stopping past the limit.
                duration = decoded + _decode_seconds(container, stream, limit=max_seconds)
                if duration > max_seconds:
                    raise AudioInputError(_too_long(duration, max_seconds))
            return AudioInfo(
                duration_seconds=duration,
                container=container.format.name[:40],
                codec=stream.codec_context.name[:40],
                sample_rate=stream.codec_context.sample_rate or stream.rate or 0,
                channels=stream.codec_context.channels,
            )
    except AudioInputError:
        raise
    except (av.error.FFmpegError, ValueError, IndexError, UnicodeDecodeError, OSError) as exc:
        raise AudioInputError(_UNREADABLE) from exc


_UNREADABLE = "Le fichier n'est pas un enregistrement audio lisible."


def _too_long(duration: float, max_seconds: float) -> str:
    return (
        f"L'enregistrement dure {format_duration(duration)} ; "
        f"durée maximale : {format_duration(max_seconds)}."
    )


def _declared_duration(container, stream) -> float | None:
    if container.duration:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _decode_seconds(container, stream, *, limit: float) -> float:
    decoded = 0.0
    for frame in container.decode(stream):
        if frame.sample_rate:
            decoded += frame.samples / frame.sample_rate
        if decoded >= limit:
            break
    return decoded
