"""Benchmark of the chunked transcription pipeline with 1, 2, 4... real Celery workers.

What it does, end to end through the real parts (broker, worker processes, database):

1. builds once, and caches under ``var/bench/``, a long French recording made of real speech:
   the clips of ``../shared/eval-dev/speech-fr/*.ogg`` (decoded with PyAV at 16 kHz mono)
   each levelled to -26 dBFS RMS (``--level``; ``--raw-levels`` keeps their own levels),
   repeated in order with 1-2 s pauses of silence between them until ``--minutes`` (default
   30); written as a 16 kHz mono WAV, with the reference text of every clip in the same order;
2. for each worker count N (``--workers 1 2 4``): a fresh SQLite database in a temporary data
   folder (``manage.py migrate`` and ``load_default_protocols``), a fresh broker (a
   ``redis-server`` on a free loopback port, or the filesystem broker with ``--broker
   filesystem``), N ``celery worker`` processes (concurrency 1 each, queues ``default`` and
   ``transcription``, ``WHISPER_CPU_THREADS`` = max(1, CPUs // N) unless ``--threads``);
3. a small Django script, in its own process, creates a user, a dossier and a consultation
   through ``dossiers.services``, uploads the recording with ``recording_upload`` inside a
   transaction (the task is dispatched when it commits) and polls the ``PipelineJob``
   until it is done.

Figures per N: wall time from dispatch to done (the job's ``finished_at``), chunk count and
chunks per worker (from the worker logs), real-time factor, speedup against the first run
(normally 1 worker), parallel efficiency (speedup / N), CPU seconds of all workers, peak
resident memory (``VmHWM`` from ``/proc``) of each worker's main process and of its prefork
child (which does the transcribing), the machine's load average before and after, and the
WER of the merged transcript against the concatenated references (scored as
``bench/transcribe.py`` does). Every process started is stopped at the end of its run.

Run from the repository root (the model comes from ``manage.py prepare_models``)::

    .venv/bin/python bench/parallel_transcription.py [--workers 1 2 4] [--minutes 30]
        [--broker redis|filesystem] [--threads T] [--timeout 1800] [--json OUT]

Speedup beyond the number of CPU cores is not expected: the output says how many there are.
"""

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

# bench/ is not a package: its sibling module is importable because this script's folder
# is on sys.path when run as a script.
from transcribe import DEFAULT_AUDIO_DIR, REPO_ROOT, normalise, word_edit_distance

CACHE_DIR = REPO_ROOT / "var" / "bench"
DEFAULT_MODEL_DIR = REPO_ROOT / "var" / "models" / "whisper-base"
SAMPLE_RATE = 16_000
PAUSE_SECONDS = (1.0, 2.0)
PAUSE_SEED = 20261123
# Each clip is brought to this RMS level (without letting a peak pass 0.9), as one recorder
# at one gain would capture them: the FLEURS clips differ by up to 38 dB (fleurs-fr-000
# peaks at -48 dBFS) and Whisper drops such a quiet clip between loud ones.
LEVEL_DBFS = -26.0
CLIENT_FLAG = "--_client"  # internal: run the Django upload-and-wait script
PROTOCOL_SLUG = "bilan-tnd"
READY_TIMEOUT = 180
CHUNK_DONE = re.compile(r"Task reports\.tasks\.transcribe_chunk\[[^\]]+\] succeeded in ([\d.]+)s")
PREPARE_DONE = re.compile(
    r"Task reports\.tasks\.transcribe_recording\[[^\]]+\] succeeded in ([\d.]+)s"
)


# --- The long recording -----------------------------------------------------------------------


def decode_16k_mono(path: Path) -> np.ndarray:
    """The whole file as float32 samples at 16 kHz, mono."""
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    parts = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            parts.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
        parts.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    return np.concatenate(parts).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray) -> None:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())


def levelled(samples: np.ndarray, dbfs: float | None) -> np.ndarray:
    """``samples`` brought to an RMS of ``dbfs`` (peaks kept under 0.9); None: unchanged."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    if dbfs is None or rms == 0.0:
        return samples
    gain = min(10 ** (dbfs / 20) / rms, 0.9 / float(np.abs(samples).max()))
    return (samples * gain).astype(np.float32)


def build_recording(clips: list[Path], minutes: float, level: float | None) -> tuple[Path, dict]:
    """The long recording and its manifest (clip order, duration), built once and cached."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    stem = f"speech-fr-{minutes:g}min" + ("-raw" if level is None else f"{level:g}dBFS")
    wav, manifest_path = CACHE_DIR / f"{stem}.wav", CACHE_DIR / f"{stem}.json"
    sources = [{"name": c.name, "size": c.stat().st_size} for c in clips]
    key = {
        "sources": sources,
        "minutes": minutes,
        "seed": PAUSE_SEED,
        "pause": PAUSE_SECONDS,
        "level_dbfs": level,
    }
    if wav.is_file() and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("key") == json.loads(json.dumps(key)):
            return wav, manifest
    decoded = [levelled(decode_16k_mono(clip), level) for clip in clips]
    rng = np.random.default_rng(PAUSE_SEED)
    target = int(minutes * 60 * SAMPLE_RATE)
    parts, order, total = [], [], 0
    position = 0
    while True:
        clip = decoded[position % len(decoded)]
        pause = np.zeros(int(rng.uniform(*PAUSE_SECONDS) * SAMPLE_RATE), dtype=np.float32)
        needed = clip.size + (pause.size if parts else 0)
        if total + needed > target:
            break
        if parts:
            parts.append(pause)
        parts.append(clip)
        order.append(clips[position % len(clips)].name)
        total += needed
        position += 1
    if not order:
        raise SystemExit(f"--minutes {minutes} is shorter than the first clip")
    write_wav(wav, np.concatenate(parts))
    manifest = {
        "key": key,
        "order": order,
        "clips_used": len(order),
        "duration_seconds": total / SAMPLE_RATE,
        "speech_seconds": sum(decoded[i % len(decoded)].size for i in range(len(order)))
        / SAMPLE_RATE,
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return wav, manifest


def reference_words(order: list[str], audio_dir: Path) -> list[str]:
    texts = {}
    for name in set(order):
        texts[name] = normalise((audio_dir / name).with_suffix(".txt").read_text("utf-8"))
    return [word for name in order for word in texts[name]]


# --- /proc -----------------------------------------------------------------------------------


def _status_kib(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (field 3 onwards)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rfind(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_seconds(pid: int) -> float | None:
    fields = _stat_fields(pid)
    if not fields:
        return None
    # utime and stime are fields 14 and 15 of stat (index 11 and 12 here), in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class TreeSampler:
    """Highest VmHWM and CPU time seen for every process of each worker's tree."""

    def __init__(self, roots: list[int]):
        self.roots = roots
        self.peak_kib: dict[int, dict[int, int]] = {root: {} for root in roots}
        self.cpu: dict[int, dict[int, float]] = {root: {} for root in roots}

    def sample(self) -> None:
        for root in self.roots:
            for pid in process_tree(root):
                hwm = _status_kib(pid, "VmHWM")
                if hwm is not None:
                    self.peak_kib[root][pid] = max(hwm, self.peak_kib[root].get(pid, 0))
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    self.cpu[root][pid] = max(seconds, self.cpu[root].get(pid, 0.0))

    def per_worker(self) -> list[dict]:
        figures = []
        for root in self.roots:
            peaks = self.peak_kib[root]
            child_peaks = [kib for pid, kib in peaks.items() if pid != root]
            figures.append(
                {
                    "pid": root,
                    "main_peak_mib": peaks.get(root, 0) / 1024,
                    "child_peak_mib": max(child_peaks, default=0) / 1024,
                    "tree_peak_sum_mib": sum(peaks.values()) / 1024,
                    "processes_seen": len(peaks),
                    "cpu_seconds": sum(self.cpu[root].values()),
                }
            )
        return figures


# --- Processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen, *, group: bool, grace: float = 30.0) -> None:
    """Terminate a process we started (its whole session when ``group``), then kill it."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
        process.wait(timeout=10)


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (or use --broker filesystem)")
    port = free_port()
    process = subprocess.Popen(
        [
            *(binary, "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(workdir)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    stop(process, group=False)
    raise RuntimeError("redis-server did not start")


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )


def start_worker(index: int, env: dict, log_path: Path) -> subprocess.Popen:
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "neddie", "worker"),
                *("-Q", "default,transcription", "--concurrency", "1"),
                *("-n", f"w{index}@%h", "--loglevel", "INFO"),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(workers: list[subprocess.Popen], logs: list[Path]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    pending = set(range(len(workers)))
    while pending and time.monotonic() < deadline:
        for i in list(pending):
            if workers[i].poll() is not None:
                raise RuntimeError(f"worker w{i + 1} exited early:\n{tail(logs[i])}")
            if " ready." in logs[i].read_text(errors="replace"):
                pending.discard(i)
        time.sleep(0.2)
    if pending:
        raise RuntimeError(f"workers not ready after {READY_TIMEOUT} s: {sorted(pending)}")


def tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.is_file() else ""


# --- One run ---------------------------------------------------------------------------------


def run_once(args, recording: Path, workers_count: int, threads: int) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"neddie-bench-w{workers_count}-"))
    env = {
        **os.environ,
        "NEDDIE_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'neddie.sqlite3'}",
        "SECRET_KEY": "bench",
        "DEBUG": "false",
        "WHISPER_MODEL_DIR": str(args.model_dir),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    if args.chunk_seconds:
        env["TRANSCRIPTION_CHUNK_SECONDS"] = str(args.chunk_seconds)
    redis = None
    workers: list[subprocess.Popen] = []
    client = None
    logs = [data_dir / f"worker-{i + 1}.log" for i in range(workers_count)]
    figures: dict = {"workers": workers_count, "threads_per_worker": threads}
    try:
        if args.broker == "redis":
            redis, url = start_redis(data_dir)
            env["REDIS_URL"] = url
        else:
            env["REDIS_URL"] = ""
            env["CELERY_BROKER_DIR"] = str(data_dir / "broker")
            for sub in ("queue", "control"):
                (data_dir / "broker" / sub).mkdir(parents=True)
        manage(env, "migrate", "--noinput")
        manage(env, "load_default_protocols")
        for i in range(workers_count):
            workers.append(
                start_worker(i + 1, {**env, "WHISPER_CPU_THREADS": str(threads)}, logs[i])
            )
        wait_ready(workers, logs)
        sampler = TreeSampler([w.pid for w in workers])
        figures["load_before"] = os.getloadavg()
        result_path = data_dir / "client.json"
        with open(data_dir / "client.log", "wb") as client_log:
            client = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    CLIENT_FLAG,
                    str(recording),
                    str(result_path),
                    str(args.timeout),
                ],
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=client_log,
            )
        deadline = time.monotonic() + args.timeout + 120
        while client.poll() is None:
            sampler.sample()
            dead = [i + 1 for i, w in enumerate(workers) if w.poll() is not None]
            if dead:
                raise RuntimeError(f"worker w{dead[0]} died:\n{tail(logs[dead[0] - 1])}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no result after {args.timeout} s")
            time.sleep(1.0)
        sampler.sample()
        figures["load_after"] = os.getloadavg()
        if client.returncode != 0 or not result_path.is_file():
            raise RuntimeError(f"client failed:\n{tail(data_dir / 'client.log')}")
        figures.update(json.loads(result_path.read_text(encoding="utf-8")))
        figures["per_worker"] = sampler.per_worker()
        figures["prepare_seconds"] = None
        for i, worker in enumerate(figures["per_worker"]):
            log_text = tail(logs[i], 10**8)
            durations = [float(s) for s in CHUNK_DONE.findall(log_text)]
            worker["chunks_done"] = len(durations)
            worker["chunk_task_seconds"] = durations
            worker["busy_seconds"] = sum(durations)
            prepared = PREPARE_DONE.findall(log_text)
            if prepared:
                figures["prepare_seconds"] = float(prepared[0])
        transcript = data_dir / "transcript.txt"
        figures["hypothesis_words"] = normalise(transcript.read_text(encoding="utf-8"))
        if figures["status"] != "done":
            raise RuntimeError(f"job {figures['status']}: {figures.get('error_message')}")
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        stderr = getattr(exc, "stderr", None) or b""
        detail = stderr.decode(errors="replace")[-2000:]
        figures["error"] = f"{exc}\n{detail}".strip()
        for log in logs:
            if log.is_file():
                print(f"--- {log.name} (end) ---\n{tail(log)}", file=sys.stderr)
    finally:
        if client is not None:
            stop(client, group=False, grace=5)
        for worker in workers:
            stop(worker, group=True)
        if redis is not None:
            stop(redis, group=False, grace=10)
        if args.keep:
            print(f"kept {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return figures


# --- The Django side (runs in its own process) -------------------------------------------------


def client_main(recording: Path, out: Path, timeout: float) -> int:
    """Upload ``recording`` through the service layer, dispatch on commit, wait for the job."""
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neddie.settings")
    import django

    django.setup()
    from datetime import date

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.db import transaction

    from dossiers import services
    from dossiers.models import Consultation
    from protocols.selectors import protocols_available
    from transcription.models import PipelineJob, TranscriptionChunk

    user = get_user_model().objects.create_user(username="bench", password=None)
    services.clinician_grant(user=user)  # the bench's account opens its dossier
    dossier = services.dossier_create(
        initials="BN",
        birth_date=date(2021, 5, 4),
        sex="M",
        protocols=[protocols_available().get(slug=PROTOCOL_SLUG)],
        created_by=user,
    )
    consultation = services.consultation_create(
        dossier=dossier,
        date=date(2026, 11, 23),
        modality=Consultation.Modality.TELECONSULTATION,
        participants="pédopsychiatre, mère",
        recording_consent=True,
        consent_given_by="mère",
        created_by=user,
    )
    with open(recording, "rb") as handle, transaction.atomic():
        job = services.recording_upload(
            consultation=consultation,
            audio=File(handle, name=str(recording)),
            original_name=recording.name,
            uploaded_by=user,
            enqueue=True,
        ).jobs.get()
        dispatched = time.time()  # the task is sent when this transaction commits
    deadline = time.monotonic() + timeout
    while True:
        job = PipelineJob.objects.select_related("recording").get(pk=job.pk)
        if not job.is_active or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    seen_done = time.time()
    chunks = TranscriptionChunk.objects.filter(job=job).order_by("index", "channel")
    figures = {
        "status": job.status if not job.is_active else "timeout",
        "error_message": job.error_message,
        "recording_seconds": job.recording.duration_seconds,
        "chunk_seconds_setting": settings.TRANSCRIPTION_CHUNK_SECONDS,
        "chunks": chunks.count(),
        "chunk_spans": [[c.start_seconds, c.end_seconds] for c in chunks],
        "wall_seconds": (job.finished_at.timestamp() if job.finished_at else seen_done)
        - dispatched,
        "job_running_seconds": (job.finished_at - job.started_at).total_seconds()
        if job.finished_at and job.started_at
        else None,
        "segments": 0,
    }
    text = ""
    if job.status == PipelineJob.Status.DONE:
        transcript = job.recording.transcript
        segments = list(transcript.segments.order_by("index").values_list("text", flat=True))
        figures["segments"] = len(segments)
        text = " ".join(segments)
    (out.parent / "transcript.txt").write_text(text, encoding="utf-8")
    out.write_text(json.dumps(figures) + "\n", encoding="utf-8")
    return 0


# --- Report ----------------------------------------------------------------------------------


LEGEND = [
    "wall s: dispatch (commit of the upload) to the job's finished_at; RTF = wall / audio;",
    "speedup and efficiency (speedup x first row's workers / workers) against the first row;",
    "prep s: the task that cuts the recording into chunks, before any chunk is transcribed;",
    "CPU s: user+system time of all worker processes (start-up and model load included);",
    "peak RSS: highest VmHWM of a worker's main process / of its prefork child (max over",
    "workers); load: the machine's 1-minute load average when the run started / ended.",
]


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_report(context: dict, runs: list[dict]) -> None:
    level = context["level_dbfs"]
    levels = "clips at their own levels" if level is None else f"clips levelled to {level:g} dBFS"
    print(
        f"{context['cpus']} CPU cores (os.cpu_count()), {context['machine']}: speedup beyond "
        f"{context['cpus']} workers is not expected"
    )
    print(
        f"recording {context['recording_seconds']:.1f} s ({context['clips_used']} clips of "
        f"{context['clip_files']} files, speech {context['speech_seconds']:.1f} s, 1-2 s "
        f"pauses, {levels}), {context['reference_words']} reference words"
    )
    done = [run for run in runs if "error" not in run]
    chunk_seconds = done[0]["chunk_seconds_setting"] if done else context["chunk_seconds"]
    print(
        f"broker {context['broker']}, chunks of about {fmt(chunk_seconds, 'g')} s, "
        f"model {context['model']}, SQLite, celery workers with --concurrency 1"
    )
    print()
    header = (
        f"{'workers':>7}  {'threads':>7}  {'chunks':>6}  {'wall s':>7}  {'RTF':>6}  "
        f"{'speedup':>7}  {'effic.':>6}  {'prep s':>6}  {'CPU s':>7}  {'WER':>6}  "
        f"{'chunks/worker':<13}  "
        f"{'peak RSS MiB main/child (max)':<29}  load before/after"
    )
    print(header)
    for run in runs:
        if "error" in run:
            print(f"{run['workers']:>7}  {run['threads_per_worker']:>7}  failed: ", end="")
            print(run["error"].splitlines()[0])
            continue
        per = run["per_worker"]
        print(
            f"{run['workers']:>7}  {run['threads_per_worker']:>7}  {run['chunks']:>6}  "
            f"{run['wall_seconds']:7.1f}  {run['rtf']:6.3f}  {fmt(run['speedup'], '7.2f')}  "
            f"{fmt(run['efficiency'], '6.2f')}  {fmt(run['prepare_seconds'], '6.1f')}  "
            f"{run['cpu_seconds']:7.1f}  "
            f"{fmt(run['wer'], '6.3f')}  "
            f"{'/'.join(str(w['chunks_done']) for w in per):<13}  "
            f"{max(w['main_peak_mib'] for w in per):>4.0f} / "
            f"{max(w['child_peak_mib'] for w in per):<22.0f}  "
            f"{run['load_before'][0]:.2f} / {run['load_after'][0]:.2f}"
        )
    for run in done:
        busy = ", ".join(f"{w['busy_seconds']:.0f}" for w in run["per_worker"])
        print(
            f"{run['workers']} worker(s): seconds busy on chunks per worker {busy}; transcript "
            f"{run['hypothesis_word_count']} words for {context['reference_words']} reference "
            f"words ({run['word_edits']} edits)"
        )
    print()
    for line in LEGEND:
        print(line)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--minutes", type=float, default=30.0, help="recording length")
    parser.add_argument(
        "--level", type=float, default=LEVEL_DBFS, help="RMS level of every clip, dBFS"
    )
    parser.add_argument(
        "--raw-levels", action="store_true", help="keep each clip's own level (no --level)"
    )
    parser.add_argument("--broker", choices=["redis", "filesystem"], default="redis")
    parser.add_argument(
        "--threads", type=int, help="WHISPER_CPU_THREADS per worker (default max(1, CPUs // N))"
    )
    parser.add_argument(
        "--chunk-seconds", type=float, help="TRANSCRIPTION_CHUNK_SECONDS (default: the app's)"
    )
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--audio-dir", type=Path, default=DEFAULT_AUDIO_DIR)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    parser.add_argument("--keep", action="store_true", help="keep each run's data folder")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures here")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.workers):
        parser.error("--workers must be at least 1")
    args.model_dir = args.model_dir.resolve()
    if not (args.model_dir / "model.bin").is_file():
        parser.error(f"no model in {args.model_dir}: run `manage.py prepare_models` first")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    clips = sorted(args.audio_dir.glob("*.ogg"))
    if not clips:
        print(f"no *.ogg in {args.audio_dir}", file=sys.stderr)
        return 2
    level = None if args.raw_levels else args.level
    recording, manifest = build_recording(clips, args.minutes, level)
    reference = reference_words(manifest["order"], args.audio_dir)
    cpus = os.cpu_count() or 1
    context = {
        "date": time.strftime("%Y-%m-%d"),
        "cpus": cpus,
        "machine": platform.machine(),
        "recording": str(recording),
        "recording_seconds": manifest["duration_seconds"],
        "speech_seconds": manifest["speech_seconds"],
        "clips_used": manifest["clips_used"],
        "clip_files": len(clips),
        "level_dbfs": level,
        "reference_words": len(reference),
        "broker": args.broker,
        "chunk_seconds": args.chunk_seconds,
        "model": args.model_dir.name,
        "timeout": args.timeout,
    }
    print(f"{cpus} CPU cores; recording {recording} ({manifest['duration_seconds']:.0f} s)")
    runs = []
    for count in args.workers:
        threads = args.threads or max(1, cpus // count)
        print(f"running {count} worker(s), {threads} thread(s) each...", flush=True)
        run = run_once(args, recording, count, threads)
        if "error" not in run:
            hypothesis = run.pop("hypothesis_words")
            edits = word_edit_distance(reference, hypothesis)
            run.update(
                hypothesis_word_count=len(hypothesis),
                word_edits=edits,
                wer=edits / len(reference) if reference else None,
                rtf=run["wall_seconds"] / run["recording_seconds"],
                cpu_seconds=sum(w["cpu_seconds"] for w in run["per_worker"]),
            )
        else:
            run.pop("hypothesis_words", None)
            print(f"  failed: {run['error']}", file=sys.stderr)
        runs.append(run)
    base = next((r for r in runs if "error" not in r), None)
    for run in runs:
        if "error" not in run:
            run["speedup"] = base["wall_seconds"] / run["wall_seconds"]
            run["efficiency"] = run["speedup"] * base["workers"] / run["workers"]
    print()
    print_report(context, runs)
    if args.json:
        payload = {"context": context, "runs": runs}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0 if all("error" not in r for r in runs) else 1


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == CLIENT_FLAG:
        sys.exit(client_main(Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])))
    sys.exit(main())
