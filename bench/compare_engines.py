"""Side by side: faster-whisper (neddie's default engine) and openai-whisper (the reference
implementation) on the same audio, the same Whisper weights and the same thread count.

For each engine: model load time, real-time factor (RTF = processing seconds / audio
seconds), corpus WER where a reference transcript lies next to the audio (same stem,
``.txt``) and peak resident memory; then the speed ratio (openai-whisper time /
faster-whisper time) and whether the issue's target is met (default engine at least 3x
faster at equal or better WER, RTF <= 0.15).

Each engine runs in its own subprocess (this script, with ``--engine``), so that the peak
RSS (``ru_maxrss``) of one is not the other's. Both use the app's own transcriber classes
with the settings of ``bench/transcribe.py`` (beam 5, VAD, word timestamps, guards); the
openai-whisper checkpoint is converted from the packaged CTranslate2 folder first (once:
``var/models/whisper-base/openai-whisper.pt``), outside the measured processes. Scoring
(normalisation, word edit distance, corpus WER) is ``bench/transcribe.py``'s.

Run from the repository root (after ``python manage.py prepare_models``)::

    .venv/bin/python bench/compare_engines.py [AUDIO...] [--threads 2] [--repeat N]
        [--no-warmup] [--json OUT]

Without AUDIO it uses every ``*.ogg`` in ``../shared/eval-dev/speech-fr/``. Figures only,
never transcripts.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from transcribe import (
    DEFAULT_AUDIO_DIR,
    REPO_ROOT,
    fmt,
    measure_file,
    peak_rss_mib,
    setup_django,
    totals,
)

ENGINES = ("faster-whisper", "openai-whisper")
TARGET_SPEEDUP = 3.0
TARGET_RTF = 0.15


def openai_checkpoint() -> Path:
    """Convert (once) in a subprocess: the conversion holds the whole model in memory, and
    this process should stay small (its children start as copies of it)."""
    from django.conf import settings

    from transcription.whisper_conversion import DEFAULT_CHECKPOINT_NAME

    folder = Path(settings.WHISPER_MODEL_DIR)
    checkpoint = folder / DEFAULT_CHECKPOINT_NAME
    command = [
        sys.executable,
        "-m",
        "transcription.whisper_conversion",
        str(folder),
        str(checkpoint),
    ]
    subprocess.run(command, check=True, cwd=REPO_ROOT, stdout=subprocess.DEVNULL)
    return checkpoint


def process_peak_rss_mib() -> float:
    """This process's own resident high-water mark (VmHWM). ``ru_maxrss`` is not enough
    here: Linux carries it over ``execve``, so a child would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return peak_rss_mib()


def cpu_stall_seconds() -> float | None:
    """Seconds during which some task on this machine waited for a CPU (Linux PSI): how
    much other work competed with the benchmark. None where PSI is not available."""
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return int(some.rsplit("total=", 1)[1]) / 1e6


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_engine(engine: str, threads: int, checkpoint: Path | None):
    from django.conf import settings

    if engine == "faster-whisper":
        from transcription.engine import FasterWhisperTranscriber

        return FasterWhisperTranscriber(
            Path(settings.WHISPER_MODEL_DIR),
            compute_type=settings.WHISPER_COMPUTE_TYPE,
            cpu_threads=threads,
            beam_size=settings.WHISPER_BEAM_SIZE,
        )
    from transcription.openai_whisper_engine import OpenAIWhisperTranscriber

    return OpenAIWhisperTranscriber(
        checkpoint, cpu_threads=threads, beam_size=settings.WHISPER_BEAM_SIZE
    )


def run_engine(args: argparse.Namespace) -> int:
    """Child process: load one engine, transcribe every file, write figures as JSON."""
    setup_django()
    from django.conf import settings

    start = time.perf_counter()
    transcriber = load_engine(args.engine, args.threads, args.checkpoint)
    load_seconds = time.perf_counter() - start
    rss_after_load = process_peak_rss_mib()
    warmup_seconds = None
    if args.warmup:
        # First call pays one-off costs (VAD model, tokenizer, openai-whisper's numba DTW
        # compilation): a worker pays them once, not per recording.
        start = time.perf_counter()
        transcriber.transcribe(args.audio[0], language=args.language)
        warmup_seconds = time.perf_counter() - start
    cpu_start, stall_start, wall_start = cpu_seconds(), cpu_stall_seconds(), time.perf_counter()
    files = [
        measure_file(transcriber, audio, language=args.language, repeat=args.repeat)
        for audio in args.audio
    ]
    cpu_used = cpu_seconds() - cpu_start
    wall = time.perf_counter() - wall_start
    stall_end = cpu_stall_seconds()
    stalled = None if stall_start is None or stall_end is None else stall_end - stall_start
    context = {
        "engine": transcriber.engine,
        "model": transcriber.model_name,
        "compute_type": (
            settings.WHISPER_COMPUTE_TYPE if args.engine == "faster-whisper" else "float32"
        ),
        "beam_size": settings.WHISPER_BEAM_SIZE,
        "threads": args.threads,
        "load_seconds": load_seconds,
        "warmup_seconds": warmup_seconds,
        "rss_after_load_mib": rss_after_load,
        "rss_peak_mib": process_peak_rss_mib(),
        # Share of the measured time during which some task waited for a CPU: near 0 on an
        # idle machine; high values mean the timings include other work's interference.
        "cpu_pressure": None if stalled is None else stalled / wall,
    }
    summary = totals(files)
    # CPU time (user + system) per second of audio, all repeats counted: less sensitive
    # than wall time to other work on a shared machine.
    summary["cpu_seconds_per_audio_second"] = cpu_used / (summary["audio_seconds"] * args.repeat)
    payload = {"context": context, "files": [asdict(f) for f in files], "totals": summary}
    args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


def measure_in_subprocess(engine: str, args: argparse.Namespace, checkpoint: Path) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"{engine}.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--engine",
            engine,
            "--json",
            str(out),
            "--threads",
            str(args.threads),
            "--repeat",
            str(args.repeat),
            "--language",
            args.language,
            "--checkpoint",
            str(checkpoint),
            *([] if args.warmup else ["--no-warmup"]),
            *(str(path) for path in args.audio),
        ]
        subprocess.run(command, check=True, cwd=REPO_ROOT)
        return json.loads(out.read_text(encoding="utf-8"))


def print_comparison(results: dict[str, dict], args: argparse.Namespace) -> dict:
    fast, slow = results["faster-whisper"], results["openai-whisper"]
    print(
        f"{len(args.audio)} files, language {args.language}, threads {args.threads}, "
        f"{os.cpu_count()} CPUs, best of {args.repeat}, "
        f"warm-up {'on' if args.warmup else 'off'}"
    )
    print()
    width = max([len("file")] + [len(path.name) for path in args.audio])
    print(
        f"{'file':<{width}}  {'audio s':>7}  "
        f"{'fw s':>6}  {'fw RTF':>6}  {'fw WER':>6}  {'ow s':>6}  {'ow RTF':>6}  {'ow WER':>6}"
    )
    for f, o in zip(fast["files"], slow["files"], strict=True):
        print(
            f"{f['name']:<{width}}  {f['audio_seconds']:7.2f}  "
            f"{f['processing_seconds']:6.2f}  {f['rtf']:6.3f}  {fmt(f['wer'], '6.3f'):>6}  "
            f"{o['processing_seconds']:6.2f}  {o['rtf']:6.3f}  {fmt(o['wer'], '6.3f'):>6}"
        )
    print()
    print(f"{'':<22}{'faster-whisper':>16}{'openai-whisper':>16}")
    rows = [
        ("weights", lambda r: f"{r['context']['compute_type']}"),
        ("model load s", lambda r: f"{r['context']['load_seconds']:.2f}"),
        ("warm-up call s", lambda r: fmt(r["context"]["warmup_seconds"], ".2f")),
        ("audio s", lambda r: f"{r['totals']['audio_seconds']:.2f}"),
        ("processing s", lambda r: f"{r['totals']['processing_seconds']:.2f}"),
        ("overall RTF", lambda r: fmt(r["totals"]["rtf"], ".3f")),
        ("CPU s / audio s", lambda r: f"{r['totals']['cpu_seconds_per_audio_second']:.3f}"),
        ("corpus WER", lambda r: fmt(r["totals"]["corpus_wer"], ".3f")),
        (
            "word edits / ref",
            lambda r: f"{r['totals']['word_edits']}/{r['totals']['reference_words']}",
        ),
        ("RSS after load MiB", lambda r: f"{r['context']['rss_after_load_mib']:.0f}"),
        ("peak RSS MiB", lambda r: f"{r['context']['rss_peak_mib']:.0f}"),
        ("CPU pressure", lambda r: fmt(r["context"]["cpu_pressure"], ".0%")),
    ]
    for label, value in rows:
        print(f"{label:<22}{value(fast):>16}{value(slow):>16}")
    speedup = slow["totals"]["processing_seconds"] / fast["totals"]["processing_seconds"]
    fast_wer, slow_wer = fast["totals"]["corpus_wer"], slow["totals"]["corpus_wer"]
    fast_rtf = fast["totals"]["rtf"]
    print()
    print(f"speed ratio           faster-whisper is {speedup:.2f}x faster than openai-whisper")
    verdict = {
        "speedup": speedup,
        "speedup_met": speedup >= TARGET_SPEEDUP,
        "wer_met": None if fast_wer is None or slow_wer is None else fast_wer <= slow_wer,
        "rtf_met": fast_rtf is not None and fast_rtf <= TARGET_RTF,
    }
    print(
        f"target                >= {TARGET_SPEEDUP:.0f}x faster: "
        f"{'met' if verdict['speedup_met'] else 'NOT met'}; "
        f"WER equal or better: "
        f"{ {True: 'met', False: 'NOT met', None: 'no reference'}[verdict['wer_met']] }; "
        f"RTF <= {TARGET_RTF}: {'met' if verdict['rtf_met'] else 'NOT met'} "
        f"({fmt(fast_rtf, '.3f')})"
    )
    return verdict


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "audio", nargs="*", type=Path, help=f"default: *.ogg in {DEFAULT_AUDIO_DIR}"
    )
    parser.add_argument("--language", default="fr")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of each engine")
    parser.add_argument("--repeat", type=int, default=1, help="runs per file; best time kept")
    parser.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help="time the first call too (one-off costs included)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures here")
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)  # child process
    parser.add_argument("--checkpoint", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    if args.engine and not args.json:
        parser.error("--engine needs --json")
    if not args.audio:
        args.audio = sorted(DEFAULT_AUDIO_DIR.glob("*.ogg")) if DEFAULT_AUDIO_DIR.is_dir() else []
        if not args.audio:
            parser.print_usage(sys.stderr)
            print(f"no AUDIO given and no *.ogg in {DEFAULT_AUDIO_DIR}", file=sys.stderr)
            sys.exit(2)
    missing = [str(path) for path in args.audio if not path.is_file()]
    if missing:
        parser.error(f"not a file: {', '.join(missing)}")
    args.audio = [path.resolve() for path in args.audio]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.engine:
        return run_engine(args)
    setup_django()
    try:
        checkpoint = openai_checkpoint()
    except subprocess.CalledProcessError as error:
        print(f"conversion to openai-whisper failed (exit {error.returncode})", file=sys.stderr)
        return 1
    results = {}
    for engine in ENGINES:
        try:
            results[engine] = measure_in_subprocess(engine, args, checkpoint)
        except subprocess.CalledProcessError as error:
            print(f"{engine} failed (exit {error.returncode})", file=sys.stderr)
            return 1
    verdict = print_comparison(results, args)
    if args.json:
        payload = {**results, "comparison": verdict}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
