"""Silence, noise and music probes: does the transcriber write text where nobody speaks?

Probes (16 kHz mono, synthesised with numpy, nothing recorded):

- the six of ``tests.audio.probe_signals()`` (``--seconds`` long, default 20 s): digital
  silence, white noise, low rumble (random walk), a pulsing C major chord, clicks twice a
  second, 50 Hz mains hum;
- ``toux-dans-le-silence`` (60 s): a -70 dBFS noise floor with two coughs (at 20 s and 41 s),
  each two bursts of 200-4000 Hz noise, sharp attack and 80 ms decay, peaking at -6 dBFS;
- ``ambiance-piece`` (``--seconds``): room tone, pink noise around -50 dBFS whose level
  wanders slowly (ventilation) with a faint 100 Hz hum at -60 dBFS;
- ``rires`` (``--seconds``): laughter-like sound, three trains of "ha" pulses at 5 Hz
  (120 ms each), voiced (harmonics of a 300 Hz pitch falling to 220 Hz) mixed with breath
  noise and shaped by two formants (700 and 1200 Hz), over the same room tone.

Each probe goes through neddie's own transcriber (``transcription.transcribers.get_transcriber()``,
same settings as the app, voice activity detection and text guards included) without and with
a vocabulary prompt of clinical terms, then, for contrast, through raw faster-whisper loaded
from the same model folder with ``vad_filter=False`` and faster-whisper's other defaults (same
language, beam size and prompt): what the guards prevent. It prints per probe the segments
and words that came out, and per configuration how many probes produced any text (target
for neddie: 0). Text written by raw Whisper is shown (short excerpts) since the probes hold no
speech at all.

Run from the repository root (the model comes from ``manage.py prepare_models``)::

    .venv/bin/python bench/probes.py [--seconds 20] [--json OUT]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# bench/ is not a package: its sibling module is importable because this script's folder
# is on sys.path when run as a script.
from transcribe import normalise, setup_django  # setup_django puts the repo root on sys.path

RATE = 16_000
VOCABULARY = ["ADOS-2", "ADI-R", "Vineland", "orthophoniste", "psychomotricien", "écholalie"]
CONFIGURATIONS = [
    ("neddie", False),
    ("neddie", True),
    ("raw", False),
    ("raw", True),
]


def _band(signal: np.ndarray, low: float, high: float) -> np.ndarray:
    """``signal`` band-limited to [low, high] Hz (FFT mask)."""
    spectrum = np.fft.rfft(signal)
    freqs = np.fft.rfftfreq(signal.size, 1 / RATE)
    spectrum[(freqs < low) | (freqs > high)] = 0
    return np.fft.irfft(spectrum, n=signal.size)


def _pink(rng: np.random.Generator, size: int) -> np.ndarray:
    """Pink noise (1/f power) scaled to unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(size))
    freqs = np.fft.rfftfreq(size, 1 / RATE)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n=size)
    return noise / np.sqrt(np.mean(noise**2))


def _room_tone(rng: np.random.Generator, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    wander = 1 + 0.3 * np.sin(2 * np.pi * 0.13 * t) + 0.2 * np.sin(2 * np.pi * 0.31 * t + 1)
    pink = 10 ** (-50 / 20) * _pink(rng, t.size) * wander
    hum = 10 ** (-60 / 20) * np.sqrt(2) * np.sin(2 * np.pi * 100 * t)
    return pink + hum


def _cough(rng: np.random.Generator) -> np.ndarray:
    """Two bursts of broadband noise with a sharp attack: a cough, roughly."""
    parts = []
    for length, gap in ((0.35, 0.12), (0.25, 0.0)):
        n = int(length * RATE)
        t = np.arange(n) / RATE
        envelope = np.minimum(t / 0.005, 1) * np.exp(-t / 0.08)
        burst = _band(rng.standard_normal(n), 200, 4000)
        burst = burst / np.abs(burst).max() * envelope * 10 ** (-6 / 20)
        parts += [burst, np.zeros(int(gap * RATE))]
    return np.concatenate(parts)


def _laugh(rng: np.random.Generator, seconds: float) -> np.ndarray:
    """A train of "ha" pulses at 5 Hz: voiced, breathy, with falling pitch."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    pitch = 300 - 80 * t / seconds
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    voiced = sum(np.sin(k * phase) / k for k in range(1, 9))
    breath = rng.standard_normal(n)
    source = voiced / np.abs(voiced).max() + 0.5 * breath / np.abs(breath).max()
    shaped = _band(source, 550, 850) + 0.6 * _band(source, 1000, 1400)
    pulse = (t % 0.2) < 0.12
    pulse_env = np.where(pulse, np.sin(np.pi * (t % 0.2) / 0.12), 0.0)
    out = shaped * pulse_env * np.exp(-t / (seconds * 1.5))
    return 0.3 * out / np.abs(out).max()


def extra_probes(seconds: float) -> dict[str, np.ndarray]:
    """Three more sounds a consultation room makes between words."""
    rng = np.random.default_rng(11)
    cough = 10 ** (-70 / 20) * rng.standard_normal(60 * RATE)
    for start in (20.0, 41.0):
        burst = _cough(rng)
        at = int(start * RATE)
        cough[at : at + burst.size] += burst
    laughter = _room_tone(rng, seconds)
    for start, length in ((2.0, 1.6), (7.5, 2.2), (13.0, 1.2)):
        if start + length <= seconds:
            burst = _laugh(rng, length)
            at = int(start * RATE)
            laughter[at : at + burst.size] += burst
    return {
        "toux-dans-le-silence": cough,
        "ambiance-piece": _room_tone(rng, seconds),
        "rires": laughter,
    }


def text_of(segments) -> str:
    return " ".join(segment.text.strip() for segment in segments).strip()


def transcribe_neddie(transcriber, path: Path, *, language: str, prompted: bool) -> list[str]:
    result = transcriber.transcribe(
        path, language=language, vocabulary=VOCABULARY if prompted else ()
    )
    return [segment.text for segment in result.segments]


def transcribe_raw(model, path: Path, *, language: str, prompted: bool, beam: int) -> list[str]:
    """faster-whisper as it comes: no voice activity detection, no guards."""
    import ctranslate2

    from transcription.engine import SAMPLING_SEED, vocabulary_prompt

    ctranslate2.set_random_seed(SAMPLING_SEED)
    segments, _info = model.transcribe(
        str(path),
        language=language,
        beam_size=beam,
        vad_filter=False,
        initial_prompt=vocabulary_prompt(VOCABULARY) if prompted else None,
    )
    return [segment.text.strip() for segment in segments if segment.text.strip()]


def column(engine: str, prompted: bool) -> str:
    return f"{engine} {'+prompt' if prompted else 'no prompt'}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of most probes")
    parser.add_argument("--language", default="fr")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.conf import settings
    from faster_whisper import WhisperModel

    from tests.audio import probe_signals, write_samples
    from transcription.engine import TranscriptionEngineError
    from transcription.transcribers import get_transcriber

    try:
        transcriber = get_transcriber()
    except TranscriptionEngineError as error:
        print(error.message, file=sys.stderr)
        return 1
    raw_model = WhisperModel(
        str(settings.WHISPER_MODEL_DIR),
        device=settings.WHISPER_DEVICE,
        compute_type=settings.WHISPER_COMPUTE_TYPE,
        cpu_threads=settings.WHISPER_CPU_THREADS,
        local_files_only=True,
    )
    probes = {**probe_signals(seconds=args.seconds), **extra_probes(args.seconds)}
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="neddie-probes-") as tmp:
        for name, samples in probes.items():
            path = write_samples(Path(tmp) / f"{name}.wav", samples)
            row = {"probe": name, "seconds": samples.size / RATE, "results": {}}
            for engine, prompted in CONFIGURATIONS:
                if engine == "neddie":
                    texts = transcribe_neddie(
                        transcriber, path, language=args.language, prompted=prompted
                    )
                else:
                    texts = transcribe_raw(
                        raw_model,
                        path,
                        language=args.language,
                        prompted=prompted,
                        beam=settings.WHISPER_BEAM_SIZE,
                    )
                row["results"][column(engine, prompted)] = {
                    "segments": len(texts),
                    "words": sum(len(normalise(text)) for text in texts),
                    "texts": texts,
                }
            rows.append(row)
            print(f"  {name}: done", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started

    columns = [column(engine, prompted) for engine, prompted in CONFIGURATIONS]
    print(
        f"model {transcriber.model_name} ({transcriber.engine}, {settings.WHISPER_COMPUTE_TYPE}, "
        f"beam {settings.WHISPER_BEAM_SIZE}) on {os.cpu_count()} CPUs, language {args.language}"
    )
    print(f"prompt: {', '.join(VOCABULARY)}")
    print(
        "cells: segments/words that came out (target for neddie: 0/0); words as "
        "bench/transcribe.py counts them, so a '...' segment has none"
    )
    print()
    width = max(len(row["probe"]) for row in rows)
    print(f"{'probe':<{width}}  {'s':>4}  " + "  ".join(f"{c:>16}" for c in columns))
    for row in rows:
        cells = [f"{row['results'][c]['segments']}/{row['results'][c]['words']}" for c in columns]
        print(
            f"{row['probe']:<{width}}  {row['seconds']:4.0f}  "
            + "  ".join(f"{cell:>16}" for cell in cells)
        )
    totals = {c: sum(1 for row in rows if row["results"][c]["segments"]) for c in columns}
    print(
        f"{'probes with text':<{width}}  {'':>4}  "
        + "  ".join(f"{str(totals[c]) + '/' + str(len(rows)):>16}" for c in columns)
    )
    print()
    print(f"{len(rows)} probes x {len(columns)} configurations in {elapsed:.0f} s")
    leaked = [
        (row["probe"], c, text)
        for row in rows
        for c in columns
        for text in row["results"][c]["texts"][:1]
    ]
    if leaked:
        print()
        print("first segment written, per probe and configuration (excerpts):")
        for probe, c, text in leaked:
            print(f"  {probe:<{width}}  {c:<16}  {text[:70]!r}")
    if args.json:
        payload = {
            "context": {
                "model": transcriber.model_name,
                "engine": transcriber.engine,
                "compute_type": settings.WHISPER_COMPUTE_TYPE,
                "beam_size": settings.WHISPER_BEAM_SIZE,
                "cpus": os.cpu_count(),
                "language": args.language,
                "vocabulary": VOCABULARY,
                "seconds": args.seconds,
                "elapsed_seconds": elapsed,
            },
            "probes": rows,
            "probes_with_text": totals,
        }
        args.json.write_text(
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
