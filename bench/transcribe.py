"""Benchmark of neddie's transcriber: speed, memory and, where a reference exists, accuracy.

What it measures, with the engine and settings the app itself uses (``get_transcriber()``):

- model load time, once (it includes importing faster-whisper, as a worker's first job does);
- per audio file: wall time of ``transcribe`` (best of ``--repeat`` runs), audio duration as
  the engine reports it, real-time factor (RTF = processing seconds / audio seconds) and word
  error rate (WER) when a reference transcript lies next to the audio (same stem, ``.txt``);
- totals: audio and processing time, overall RTF, corpus WER (total word edits / total
  reference words, so long clips weigh more than short ones);
- peak resident memory of the process (``ru_maxrss``), after model load and at the end.

Text is normalised on both sides before scoring: NFKC, lower case, every punctuation mark
(apostrophes and hyphens included) turned into a word separator, spaces collapsed.

Run from the repository root (the model comes from ``python manage.py prepare_models``)::

    .venv/bin/python bench/transcribe.py [AUDIO...] [--repeat N] [--json OUT]

Without AUDIO it uses every ``*.ogg`` in ``../shared/eval-dev/speech-fr/``. It prints
figures only, never transcripts. Settings come from the environment as for the app
(``NEDDIE_DATA_DIR``, ``WHISPER_MODEL_DIR``, ``WHISPER_CPU_THREADS``, ...).
"""

import argparse
import json
import os
import platform
import resource
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_AUDIO_DIR = REPO_ROOT.parent / "shared" / "eval-dev" / "speech-fr"


def setup_django() -> None:
    """Load neddie's settings so the transcriber is configured exactly as in the app."""
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neddie.settings")
    # Settings refuse to start without a key when DEBUG is off; nothing here signs anything.
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()


@dataclass
class FileFigures:
    name: str
    audio_seconds: float
    processing_seconds: float
    rtf: float
    reference_words: int | None = None
    word_edits: int | None = None
    wer: float | None = None


def peak_rss_mib() -> float:
    """Resident set high-water mark of this process; ru_maxrss is in KiB on Linux."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def normalise(text: str) -> list[str]:
    """Words of ``text`` for scoring: NFKC, lower case, punctuation as separators."""
    text = unicodedata.normalize("NFKC", text).lower()
    # Punctuation becomes a space rather than vanishing, so that "l'usoc" gives "l usoc"
    # and "dix-sept" gives "dix sept" whichever way the engine writes them.
    chars = (" " if unicodedata.category(char).startswith("P") else char for char in text)
    return "".join(chars).split()


def word_edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance over words (substitutions, deletions, insertions), two rows."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[j] + 1,  # reference word deleted
                    current[j - 1] + 1,  # hypothesis word inserted
                    previous[j - 1] + (ref_word != hyp_word),  # match or substitution
                )
            )
        previous = current
    return previous[-1]


def reference_for(audio: Path) -> str | None:
    reference = audio.with_suffix(".txt")
    return reference.read_text(encoding="utf-8") if reference.is_file() else None


def load_transcriber():
    """The app's transcriber and the seconds it took to load."""
    from transcription.transcribers import get_transcriber

    start = time.perf_counter()
    transcriber = get_transcriber()
    return transcriber, time.perf_counter() - start


def measure_file(transcriber, audio: Path, *, language: str, repeat: int) -> FileFigures:
    """Transcribe ``audio`` ``repeat`` times; keep the best time (least disturbed run)."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = transcriber.transcribe(audio, language=language)
        best = min(best, time.perf_counter() - start)
    duration = result.duration_seconds
    figures = FileFigures(
        name=audio.name,
        audio_seconds=duration,
        processing_seconds=best,
        rtf=best / duration if duration else float("nan"),
    )
    reference = reference_for(audio)
    if reference is not None:
        ref_words = normalise(reference)
        hyp_words = normalise(" ".join(segment.text for segment in result.segments))
        figures.reference_words = len(ref_words)
        figures.word_edits = word_edit_distance(ref_words, hyp_words)
        if ref_words:
            figures.wer = figures.word_edits / len(ref_words)
    return figures


def totals(files: list[FileFigures]) -> dict:
    audio = sum(f.audio_seconds for f in files)
    processing = sum(f.processing_seconds for f in files)
    scored = [f for f in files if f.reference_words]
    ref_words = sum(f.reference_words for f in scored)
    return {
        "files": len(files),
        "audio_seconds": audio,
        "processing_seconds": processing,
        "rtf": processing / audio if audio else None,
        "scored_files": len(scored),
        "reference_words": ref_words,
        "word_edits": sum(f.word_edits for f in scored),
        "corpus_wer": sum(f.word_edits for f in scored) / ref_words if ref_words else None,
    }


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_report(context: dict, files: list[FileFigures], summary: dict) -> None:
    print(
        f"model {context['model']} ({context['engine']}, {context['compute_type']}, "
        f"beam {context['beam_size']}, threads {context['cpu_threads'] or 'auto'}) "
        f"on {context['cpus']} CPUs, language {context['language']}, "
        f"best of {context['repeat']}"
    )
    print(
        f"model load {context['load_seconds']:.2f} s, "
        f"peak RSS after load {context['rss_after_load_mib']:.0f} MiB"
    )
    print()
    width = max([len("file")] + [len(f.name) for f in files])
    print(f"{'file':<{width}}  {'audio s':>8}  {'time s':>7}  {'RTF':>6}  {'WER':>6}")
    for f in files:
        print(
            f"{f.name:<{width}}  {f.audio_seconds:8.2f}  {f.processing_seconds:7.2f}  "
            f"{f.rtf:6.3f}  {fmt(f.wer, '6.3f'):>6}"
        )
    print()
    print(f"total audio     {summary['audio_seconds']:.2f} s ({summary['files']} files)")
    print(f"total time      {summary['processing_seconds']:.2f} s")
    print(f"overall RTF     {fmt(summary['rtf'], '.3f')}")
    print(
        f"corpus WER      {fmt(summary['corpus_wer'], '.3f')} "
        f"({summary['word_edits']} edits / {summary['reference_words']} reference words, "
        f"{summary['scored_files']} files with a reference)"
    )
    print(f"peak RSS        {context['rss_end_mib']:.0f} MiB")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "audio", nargs="*", type=Path, help=f"default: *.ogg in {DEFAULT_AUDIO_DIR}"
    )
    parser.add_argument("--language", default="fr")
    parser.add_argument("--repeat", type=int, default=1, help="runs per file; best time kept")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not args.audio:
        args.audio = sorted(DEFAULT_AUDIO_DIR.glob("*.ogg")) if DEFAULT_AUDIO_DIR.is_dir() else []
        if not args.audio:
            parser.print_usage(sys.stderr)
            print(f"no AUDIO given and no *.ogg in {DEFAULT_AUDIO_DIR}", file=sys.stderr)
            sys.exit(2)
    missing = [str(path) for path in args.audio if not path.is_file()]
    if missing:
        parser.error(f"not a file: {', '.join(missing)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.conf import settings

    from transcription.engine import TranscriptionEngineError

    try:
        transcriber, load_seconds = load_transcriber()
    except TranscriptionEngineError as error:
        print(error.message, file=sys.stderr)
        return 1
    context = {
        "engine": transcriber.engine,
        "model": transcriber.model_name,
        "compute_type": settings.WHISPER_COMPUTE_TYPE,
        "beam_size": settings.WHISPER_BEAM_SIZE,
        "cpu_threads": settings.WHISPER_CPU_THREADS,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "language": args.language,
        "repeat": args.repeat,
        "load_seconds": load_seconds,
        "rss_after_load_mib": peak_rss_mib(),
    }
    files = [
        measure_file(transcriber, audio, language=args.language, repeat=args.repeat)
        for audio in args.audio
    ]
    context["rss_end_mib"] = peak_rss_mib()
    summary = totals(files)
    print_report(context, files, summary)
    if args.json:
        payload = {"context": context, "files": [asdict(f) for f in files], "totals": summary}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
