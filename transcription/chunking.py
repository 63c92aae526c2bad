"""Long recordings cut into chunks at silences, decoded as a stream (bounded memory).

Two passes over the file: the first measures loudness every 30 ms (a few megabytes for
three hours) and tells whether a stereo file holds one speaker per channel; the second
writes each chunk as a 16 kHz WAV file, per channel when channels are separate speakers.
Chunks end in the quietest moment near their target length, so that no word is cut in two.
"""

import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from dossiers.audio import AudioInputError, format_duration

SAMPLE_RATE = 16_000
FRAME_SAMPLES = 480  # 30 ms
# A stereo file whose channels differ by less than this share of their energy is one mix
# recorded twice, not one speaker per channel.
DISTINCT_CHANNELS_RATIO = 0.05
# Loudness is smoothed over this many frames before looking for the quietest cut.
_SMOOTHING_FRAMES = 10


@dataclass(frozen=True)
class Analysis:
    duration_seconds: float
    channels: int  # as decoded: 2 only for a stereo file whose channels are distinct speakers
    frame_energy: np.ndarray  # RMS of the mix per 30 ms frame


@dataclass(frozen=True)
class ChunkSpan:
    index: int
    start_seconds: float
    end_seconds: float


def _blocks(path: Path, *, stereo: bool) -> Iterator[np.ndarray]:
    """Decoded audio at 16 kHz as float32 arrays of shape (channels, samples)."""
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError) as exc:
        raise AudioInputError("Le fichier n'est pas un enregistrement audio lisible.") from exc
    with container:
        stream = next(iter(container.streams.audio), None)
        if stream is None:
            raise AudioInputError("Le fichier ne contient pas de piste audio.")
        resampler = av.AudioResampler(
            format="fltp", layout="stereo" if stereo else "mono", rate=SAMPLE_RATE
        )
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    yield out.to_ndarray()
        except av.error.FFmpegError:
            # A truncated or damaged end: keep what decoded (the probe at upload already
            # proved the start is readable).
            pass
        for out in resampler.resample(None):
            yield out.to_ndarray()


def analyse(path: Path, *, source_channels: int, max_seconds: float) -> Analysis:
    """First pass: loudness per frame, and whether stereo channels are separate speakers.

    Raises AudioInputError past ``max_seconds`` of decoded audio, whatever the header said.
    """
    stereo = source_channels == 2
    energies: list[np.ndarray] = []
    left = right = difference = 0.0
    carry = np.zeros((2 if stereo else 1, 0), dtype=np.float32)
    total = 0
    for block in _blocks(path, stereo=stereo):
        total += block.shape[1]
        if total > max_seconds * SAMPLE_RATE:
            raise AudioInputError(
                f"L'enregistrement dépasse la durée maximale ({format_duration(max_seconds)})."
            )
        if stereo:
            left += float(np.square(block[0]).sum())
            right += float(np.square(block[1]).sum())
            difference += float(np.square(block[0] - block[1]).sum())
        carry = np.concatenate([carry, block], axis=1)
        whole = carry.shape[1] // FRAME_SAMPLES * FRAME_SAMPLES
        if whole:
            mix = carry[:, :whole].mean(axis=0).reshape(-1, FRAME_SAMPLES)
            energies.append(np.sqrt(np.square(mix).mean(axis=1)))
            carry = carry[:, whole:]
    if total == 0:
        raise AudioInputError("Le fichier n'est pas un enregistrement audio lisible.")
    distinct = stereo and difference > DISTINCT_CHANNELS_RATIO * (left + right)
    return Analysis(
        duration_seconds=total / SAMPLE_RATE,
        channels=2 if distinct else 1,
        frame_energy=np.concatenate(energies) if energies else np.zeros(0, dtype=np.float32),
    )


def plan_chunks(
    analysis: Analysis, *, chunk_seconds: float, search_seconds: float
) -> list[ChunkSpan]:
    """Spans of about ``chunk_seconds``, each ending at the quietest moment within
    ``search_seconds`` of its target end."""
    frames_per_second = SAMPLE_RATE / FRAME_SAMPLES
    energy = analysis.frame_energy
    if energy.size:
        energy = np.convolve(energy, np.ones(_SMOOTHING_FRAMES) / _SMOOTHING_FRAMES, mode="same")
    spans, start = [], 0.0
    while analysis.duration_seconds - start > chunk_seconds + search_seconds:
        target = start + chunk_seconds
        low = int((target - search_seconds) * frames_per_second)
        high = int((target + search_seconds) * frames_per_second)
        window = energy[low:high]
        cut = (low + _middle_of_quietest_run(window)) / frames_per_second if window.size else target
        spans.append(ChunkSpan(len(spans), start, cut))
        start = cut
    spans.append(ChunkSpan(len(spans), start, analysis.duration_seconds))
    return spans


def _middle_of_quietest_run(window: np.ndarray) -> int:
    """The middle of the quiet stretch around the quietest frame, so that each chunk keeps
    some silence on both sides of the cut."""
    quietest = int(np.argmin(window))
    quiet = window <= window[quietest] + 0.01 * (float(window.max()) - float(window[quietest]))
    start = end = quietest
    while start > 0 and quiet[start - 1]:
        start -= 1
    while end < window.size - 1 and quiet[end + 1]:
        end += 1
    return (start + end) // 2


def write_chunks(
    path: Path, spans: list[ChunkSpan], *, channels: int, output_dir: Path
) -> dict[tuple[int, int], Path]:
    """Second pass: one 16 kHz 16-bit WAV per (chunk index, channel), written as decoded."""
    output_dir.mkdir(parents=True, exist_ok=True)
    bounds = [round(span.end_seconds * SAMPLE_RATE) for span in spans]
    files: dict[tuple[int, int], Path] = {}
    writers: list[wave.Wave_write] = []

    def open_chunk(index: int) -> list[wave.Wave_write]:
        opened = []
        for channel in range(channels):
            file = output_dir / f"chunk-{index:04d}-channel-{channel}.wav"
            writer = wave.open(str(file), "wb")  # noqa: SIM115 (closed when the chunk ends)
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(SAMPLE_RATE)
            files[(index, channel)] = file
            opened.append(writer)
        return opened

    index, position = 0, 0
    writers = open_chunk(0)
    try:
        for block in _blocks(path, stereo=channels == 2):
            offset = 0
            while offset < block.shape[1]:
                room = bounds[index] - position if index < len(spans) - 1 else block.shape[1]
                take = min(room, block.shape[1] - offset)
                piece = block[:, offset : offset + take]
                for channel, writer in enumerate(writers):
                    pcm = np.clip(piece[channel], -1, 1) * 32767
                    writer.writeframes(pcm.astype("<i2").tobytes())
                offset += take
                position += take
                if index < len(spans) - 1 and position >= bounds[index]:
                    for writer in writers:
                        writer.close()
                    index += 1
                    writers = open_chunk(index)
    finally:
        for writer in writers:
            writer.close()
    return files
