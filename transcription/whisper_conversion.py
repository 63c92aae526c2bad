"""Converts the packaged CTranslate2 Whisper folder into an openai-whisper checkpoint.

The default engine (faster-whisper) reads ``model.bin``, CTranslate2's own format. The
reference implementation, openai-whisper, wants a torch checkpoint
``{"dims": {...}, "model_state_dict": {...}}``. Both hold the same weights under other names
and layouts (see ../shared/MODELS.md):

- ``model.bin``: a little-endian header (format version, spec name, spec revision), then each
  variable as name, shape, dtype and raw bytes, then aliases (a variable stored once under
  two names); layout from CTranslate2's ``specs/model_spec.py`` (``_serialize``);
- self-attention q/k/v are one fused matrix (``self_attention/linear_0``, split in three
  along rows), cross-attention k/v are fused too (``attention/linear_1``, split in two);
  Whisper's key projections have no bias (CTranslate2 stores zeros there);
- layer norms are ``gamma``/``beta``; weights may be stored as float16, bfloat16 or
  quantised (int8/int16 with a ``*_scale``): they are all turned back into float32.

``convert_ctranslate2_to_openai_whisper`` writes the checkpoint once; a manifest beside it
records the source's hash, so a second call with the same source does nothing.
"""

import hashlib
import json
import os
import re
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

DEFAULT_CHECKPOINT_NAME = "openai-whisper.pt"
CONVERTER_VERSION = 1
SUPPORTED_BINARY_VERSIONS = range(1, 7)  # CTranslate2 writes 6 today
# CTranslate2's DataType enum (include/ctranslate2/types.h), in order.
_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
_NUMPY_DTYPES = {
    "float32": "<f4",
    "int8": "i1",
    "int16": "<i2",
    "int32": "<i4",
    "float16": "<f2",
    "bfloat16": "<u2",  # numpy has no bfloat16: widened to float32 below
}
INSTALL_HINT = (
    "pip install -r requirements.txt && "
    "pip install --no-deps --require-hashes -r requirements-openai-whisper.txt"
)


class ConversionError(RuntimeError):
    """The CTranslate2 folder cannot be turned into an openai-whisper checkpoint."""


class OpenAIWhisperMissingError(ConversionError, ImportError):
    """torch or openai-whisper is not installed."""


def require_openai_whisper():
    """Import torch and openai-whisper, or say how to install them.

    Before torch's first import, its OpenMP threads are told to sleep rather than spin while
    they wait (``OMP_WAIT_POLICY=PASSIVE``, unless the environment already says otherwise):
    spinning threads made openai-whisper 4 to 5 times slower on a 2-core machine as soon as
    anything else ran there (the same run: 10 s passive, 41-53 s spinning)."""
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
        import whisper
    except ImportError as exc:
        raise OpenAIWhisperMissingError(
            f"openai-whisper needs torch and the openai-whisper package ({exc.name} is "
            f"missing): {INSTALL_HINT}"
        ) from exc
    return torch, whisper


@dataclass(frozen=True)
class Ct2Model:
    spec: str
    revision: int
    variables: dict[str, np.ndarray]  # raw values as stored, aliases resolved


def _read_exact(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise ConversionError("model.bin is truncated.")
    return data


def _unpack(handle: BinaryIO, fmt: str):
    return struct.unpack("<" + fmt, _read_exact(handle, struct.calcsize("<" + fmt)))[0]


def _read_string(handle: BinaryIO) -> str:
    length = _unpack(handle, "H")  # includes the trailing NUL
    return _read_exact(handle, length)[:-1].decode("utf-8")


def read_ctranslate2_model(path: Path) -> Ct2Model:
    """Every variable of a CTranslate2 ``model.bin``, as numpy arrays of the stored dtype."""
    with open(path, "rb") as handle:
        version = _unpack(handle, "I")
        if version not in SUPPORTED_BINARY_VERSIONS:
            raise ConversionError(f"{path}: unsupported CTranslate2 binary version {version}.")
        spec = _read_string(handle) if version >= 2 else ""
        revision = _unpack(handle, "I") if version >= 2 else 1
        variables: dict[str, np.ndarray] = {}
        for _ in range(_unpack(handle, "I")):
            name = _read_string(handle)
            rank = _unpack(handle, "B")
            shape = tuple(_unpack(handle, "I") for _ in range(rank))
            type_id = _unpack(handle, "B")
            if type_id >= len(_DTYPES):
                raise ConversionError(f"{path}: {name} has an unknown dtype id {type_id}.")
            dtype = _DTYPES[type_id]
            num_bytes = _unpack(handle, "I")
            data = np.frombuffer(_read_exact(handle, num_bytes), dtype=_NUMPY_DTYPES[dtype])
            if data.size != int(np.prod(shape, dtype=np.int64)):
                raise ConversionError(f"{path}: {name} does not match its shape {shape}.")
            value = data.reshape(shape)
            if dtype == "bfloat16":
                value = (value.astype(np.uint32) << 16).view(np.float32)
            variables[name] = value
        if version >= 3:
            for _ in range(_unpack(handle, "I")):
                alias, target = _read_string(handle), _read_string(handle)
                variables[alias] = variables[target]
    return Ct2Model(spec=spec, revision=revision, variables=variables)


def _float32(variables: dict[str, np.ndarray], name: str) -> np.ndarray:
    """The variable as float32, dequantised when CTranslate2 stored it as integers."""
    value = variables[name]
    if value.dtype.kind == "f":
        return value.astype(np.float32)
    scale = variables.get(name + "_scale")
    if scale is None:
        raise ConversionError(f"{name} is stored as {value.dtype} without a scale.")
    scale = scale.astype(np.float32)
    if scale.ndim == 0:  # int16: one scale for the whole matrix
        return value.astype(np.float32) / scale
    # int8: one scale per output row (conv weights were flattened to 2D to compute it).
    rows = value.reshape(value.shape[0], -1).astype(np.float32) / scale[:, None]
    return rows.reshape(value.shape)


def _scalar(variables: dict[str, np.ndarray], name: str) -> int:
    if name not in variables:
        raise ConversionError(f"{name} is missing from model.bin.")
    return int(variables[name].reshape(()))


def _layer_count(variables: dict[str, np.ndarray], prefix: str) -> int:
    pattern = re.compile(rf"^{prefix}/layer_(\d+)/")
    indices = {int(m.group(1)) for name in variables if (m := pattern.match(name))}
    if indices != set(range(len(indices))):
        raise ConversionError(f"{prefix} layers are not numbered 0..n-1.")
    return len(indices)


def ctranslate2_to_state_dict(model: Ct2Model) -> tuple[dict, dict[str, np.ndarray]]:
    """openai-whisper's ``dims`` and state dict (float32 numpy arrays) for a WhisperSpec."""
    if model.spec != "WhisperSpec":
        raise ConversionError(f"model.bin holds a {model.spec or 'unnamed'} model, not Whisper.")
    v = model.variables
    used: set[str] = set()

    def take(name: str) -> np.ndarray:
        if name not in v:
            raise ConversionError(f"{name} is missing from model.bin.")
        used.add(name)
        used.add(name + "_scale")
        return _float32(v, name)

    state: dict[str, np.ndarray] = {}

    def linear(target: str, source: str, *, bias: bool = True) -> None:
        state[f"{target}.weight"] = take(f"{source}/weight")
        if bias:
            state[f"{target}.bias"] = take(f"{source}/bias")

    def layer_norm(target: str, source: str) -> None:
        state[f"{target}.weight"] = take(f"{source}/gamma")
        state[f"{target}.bias"] = take(f"{source}/beta")

    def split(target_prefix: str, names: tuple[str, ...], source: str) -> None:
        """A fused projection, split along rows; the key part has no bias in Whisper."""
        weights = np.split(take(f"{source}/weight"), len(names), axis=0)
        biases = np.split(take(f"{source}/bias"), len(names), axis=0)
        for name, weight, bias in zip(names, weights, biases, strict=True):
            state[f"{target_prefix}.{name}.weight"] = weight
            if name == "key":
                if np.abs(bias).max(initial=0.0) > 1e-6:
                    raise ConversionError(f"{source}: non-zero key bias cannot be represented.")
            else:
                state[f"{target_prefix}.{name}.bias"] = bias

    def attention(target: str, source: str, *, cross: bool) -> None:
        if cross:
            linear(f"{target}.query", f"{source}/linear_0")
            split(target, ("key", "value"), f"{source}/linear_1")
            linear(f"{target}.out", f"{source}/linear_2")
        else:
            split(target, ("query", "key", "value"), f"{source}/linear_0")
            linear(f"{target}.out", f"{source}/linear_1")

    def block(target: str, source: str, *, decoder: bool) -> None:
        attention(f"{target}.attn", f"{source}/self_attention", cross=False)
        layer_norm(f"{target}.attn_ln", f"{source}/self_attention/layer_norm")
        if decoder:
            attention(f"{target}.cross_attn", f"{source}/attention", cross=True)
            layer_norm(f"{target}.cross_attn_ln", f"{source}/attention/layer_norm")
        linear(f"{target}.mlp.0", f"{source}/ffn/linear_0")
        linear(f"{target}.mlp.2", f"{source}/ffn/linear_1")
        layer_norm(f"{target}.mlp_ln", f"{source}/ffn/layer_norm")

    linear("encoder.conv1", "encoder/conv1")
    linear("encoder.conv2", "encoder/conv2")
    state["encoder.positional_embedding"] = take("encoder/position_encodings/encodings")
    n_audio_layer = _layer_count(v, "encoder")
    for i in range(n_audio_layer):
        block(f"encoder.blocks.{i}", f"encoder/layer_{i}", decoder=False)
    layer_norm("encoder.ln_post", "encoder/layer_norm")

    state["decoder.token_embedding.weight"] = take("decoder/embeddings/weight")
    state["decoder.positional_embedding"] = take("decoder/position_encodings/encodings")
    n_text_layer = _layer_count(v, "decoder")
    for i in range(n_text_layer):
        block(f"decoder.blocks.{i}", f"decoder/layer_{i}", decoder=True)
    layer_norm("decoder.ln", "decoder/layer_norm")

    # The output projection is tied to the token embedding in Whisper.
    projection = v.get("decoder/projection/weight")
    if projection is not None:
        used.add("decoder/projection/weight")
        if not np.array_equal(projection, v["decoder/embeddings/weight"]):
            raise ConversionError("decoder/projection/weight is not tied to the embeddings.")
    for bias_name in ("decoder/projection/bias",):
        if bias_name in v:
            used.add(bias_name)
            if np.abs(_float32(v, bias_name)).max(initial=0.0) > 1e-6:
                raise ConversionError("A non-zero output projection bias cannot be represented.")
    unused = [name for name, value in v.items() if name not in used and value.ndim > 0]
    if unused:
        raise ConversionError(f"model.bin has tensors this converter does not know: {unused}")

    n_mels = state["encoder.conv1.weight"].shape[1]
    n_audio_ctx, n_audio_state = state["encoder.positional_embedding"].shape
    n_vocab, n_text_state = state["decoder.token_embedding.weight"].shape
    dims = {
        "n_mels": int(n_mels),
        "n_audio_ctx": int(n_audio_ctx),
        "n_audio_state": int(n_audio_state),
        "n_audio_head": _scalar(v, "encoder/num_heads"),
        "n_audio_layer": n_audio_layer,
        "n_vocab": int(n_vocab),
        "n_text_ctx": int(state["decoder.positional_embedding"].shape[0]),
        "n_text_state": int(n_text_state),
        "n_text_head": _scalar(v, "decoder/num_heads"),
        "n_text_layer": n_text_layer,
    }
    return dims, state


def _source_digest(ct2_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in ("model.bin", "config.json"):
        path = ct2_dir / name
        if path.is_file():
            digest.update(name.encode() + b"\0")
            with open(path, "rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def manifest_path(checkpoint: Path) -> Path:
    return checkpoint.with_name(checkpoint.name + ".json")


def _alignment_heads(ct2_dir: Path, dims: dict) -> list[list[int]] | None:
    config_path = ct2_dir / "config.json"
    if not config_path.is_file():
        return None
    heads = json.loads(config_path.read_text()).get("alignment_heads")
    if not heads:
        return None
    heads = [[int(layer), int(head)] for layer, head in heads]
    for layer, head in heads:
        if not (0 <= layer < dims["n_text_layer"] and 0 <= head < dims["n_text_head"]):
            raise ConversionError(f"config.json: alignment head {layer},{head} out of range.")
    return heads


def convert_ctranslate2_to_openai_whisper(ct2_dir: Path, output: Path | None = None) -> Path:
    """Write ``ct2_dir``'s Whisper as an openai-whisper checkpoint at ``output`` (default
    ``ct2_dir/openai-whisper.pt``) and return its path.

    Idempotent: when ``output`` exists and its manifest names the same source hash, nothing
    is redone. The checkpoint is written to a temporary file, checked by loading it into
    openai-whisper's model with strict key matching, then renamed into place. Besides
    ``dims`` and ``model_state_dict`` it holds ``alignment_heads`` (from config.json; used
    for word timestamps, ignored by ``whisper.load_model``) and ``name``.
    """
    ct2_dir = Path(ct2_dir)
    output = Path(output) if output is not None else ct2_dir / DEFAULT_CHECKPOINT_NAME
    source = ct2_dir / "model.bin"
    if not source.is_file():
        raise ConversionError(f"No CTranslate2 model.bin in {ct2_dir}.")
    torch, whisper = require_openai_whisper()

    digest = _source_digest(ct2_dir)
    manifest_file = manifest_path(output)
    expected = {"source_sha256": digest, "converter_version": CONVERTER_VERSION}
    if output.is_file() and manifest_file.is_file():
        try:
            manifest = json.loads(manifest_file.read_text())
        except ValueError:
            manifest = {}
        if (
            all(manifest.get(key) == value for key, value in expected.items())
            and manifest.get("size") == output.stat().st_size
        ):
            return output

    dims, arrays = ctranslate2_to_state_dict(read_ctranslate2_model(source))
    state = {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in arrays.items()}
    del arrays
    # Strict load: every key openai-whisper expects is there, with its shape, and no other.
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**dims))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ConversionError(f"The converted weights do not fit openai-whisper: {exc}") from exc
    del model
    checkpoint = {
        "dims": dims,
        "model_state_dict": state,
        "alignment_heads": _alignment_heads(ct2_dir, dims),
        "name": ct2_dir.name,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=output.parent, delete=False, suffix=".partial") as out:
        try:
            torch.save(checkpoint, out)
            out.flush()
        except BaseException:
            out.close()
            os.unlink(out.name)
            raise
    os.replace(out.name, output)
    manifest = {**expected, "source": str(source), "size": output.stat().st_size, "dims": dims}
    manifest_file.write_text(json.dumps(manifest, indent=2) + "\n")
    return output


def load_openai_whisper(checkpoint: Path, *, device: str = "cpu"):
    """The openai-whisper model of ``checkpoint``, as ``whisper.load_model`` builds it, plus
    the alignment heads stored by the conversion (which ``load_model`` only knows for its
    own downloadable models; without them word timings come from every upper-layer head)."""
    torch, whisper = require_openai_whisper()
    try:
        with open(checkpoint, "rb") as handle:
            data = torch.load(handle, map_location=device, weights_only=True)
        model = whisper.model.Whisper(whisper.model.ModelDimensions(**data["dims"]))
        model.load_state_dict(data["model_state_dict"], strict=True)
    except Exception as exc:  # torch raises many kinds for a corrupt or foreign file
        raise ConversionError(
            f"{checkpoint} is not a usable openai-whisper checkpoint: {exc}"
        ) from exc
    heads = data.get("alignment_heads")
    if heads:
        mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
        for layer, head in heads:
            mask[layer, head] = True
        model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
    model.name = data.get("name") or Path(checkpoint).stem
    return model.to(device).eval()


def main(argv: list[str] | None = None) -> int:
    """``python -m transcription.whisper_conversion CT2_DIR [OUTPUT]``"""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ct2_dir", type=Path)
    parser.add_argument("output", type=Path, nargs="?")
    args = parser.parse_args(argv)
    print(convert_ctranslate2_to_openai_whisper(args.ct2_dir, args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
