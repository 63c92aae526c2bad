"""Instruction models behind one interface, chosen by settings (``DRAFTING_ENGINE``).

- ``llama-cpp``: a GGUF file through llama-cpp-python, JSON-schema-constrained decoding;
  the embedded default runs the packaged Qwen2.5 0.5B (``prepare_models`` assembles it and
  checks its sha256) and is the fast path on a CPU.
- ``transformers``: a local model folder (the production path on a GPU); no grammar, the
  answer is parsed and validated like any other.
- ``openai``: any OpenAI-compatible endpoint (vLLM, llama.cpp's server, Ollama), with a
  ``json_schema`` response format, for a shared GPU server.
- ``extractive``: no model; the drafter quotes the evidence.

Engines load once per process. An engine that cannot run here raises ``LLMUnavailable``
with a sentence for the clinician; the drafter then falls back to extractive drafting.
"""

import atexit
import functools
import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings

from neddie.model_files import ModelFilesError, verify_model_folder

ENGINES = ("llama-cpp", "transformers", "openai", "extractive")


class LLMUnavailable(RuntimeError):
    """The engine cannot run on this machine; ``message`` is shown to users."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LLMError(RuntimeError):
    """One generation failed (timeout, server error); the drafter falls back."""


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float


class LLM(Protocol):
    engine: str
    model_name: str

    def complete(
        self,
        messages: Sequence[dict],
        *,
        schema: dict,
        max_tokens: int,
        deadline: float | None = None,
    ) -> Completion:
        """Generate an answer; past ``deadline`` (time.monotonic()) generation stops, and
        the answer, cut short, fails validation like any incomplete JSON."""
        ...


_EMPTY_RULE = re.compile(r"^([\w-]+) ::=\s*$", re.M)


def grammar_problem(schema: dict) -> str | None:
    """Why llama.cpp could not constrain its answer to ``schema`` (None: it can). The grammar
    is made from the schema in Python, as llama-cpp-python makes it; a rule with nothing to
    choose from (an empty list of citable passages) is refused here, because llama.cpp's
    parser crashes the whole worker process on it (SIGSEGV) instead of raising."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    try:
        grammar = json_schema_to_gbnf(json.dumps(schema))
    except Exception as exc:  # the converter's own errors: unsupported schema features
        return f"schéma de réponse impossible à traduire en grammaire ({exc})"
    empty = _EMPTY_RULE.search(grammar)
    if empty:
        return f"schéma de réponse sans réponse possible (règle vide : {empty.group(1)})"
    return None


class LlamaCppLLM:
    engine = "llama-cpp"

    def __init__(self, model_path: Path, *, context: int = 4096, threads: int | None = None):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMUnavailable(
                "Le moteur llama-cpp-python n'est pas installé sur cette machine "
                "(sa compilation a échoué ou a été omise) : brouillon extractif."
            ) from exc
        if not model_path.is_file():
            raise LLMUnavailable(
                f"Modèle de rédaction introuvable ({model_path.name}) : lancer "
                "« python manage.py prepare_models »."
            )
        try:
            verify_model_folder(model_path.parent)
        except ModelFilesError as exc:
            raise LLMUnavailable(str(exc)) from exc
        self.model_name = f"{model_path.parent.name}/{model_path.name}"
        self._llama = Llama(
            model_path=str(model_path),
            n_ctx=context,
            n_threads=threads,
            seed=0,
            verbose=False,
        )
        self._lock = threading.Lock()  # one generation at a time per loaded model
        # Free llama.cpp's memory before the interpreter tears its bindings down.
        atexit.register(self._llama.close)

    def complete(
        self,
        messages: Sequence[dict],
        *,
        schema: dict,
        max_tokens: int,
        deadline: float | None = None,
    ) -> Completion:
        # Streamed, so that generation can stop at the deadline between two tokens
        # (create_chat_completion takes no stopping criterion, and exceptions raised in its
        # logits processors are swallowed by the ctypes callback).
        problem = grammar_problem(schema)
        if problem:
            raise LLMError(problem)
        started = time.perf_counter()
        pieces: list[str] = []
        generated = 0
        try:
            with self._lock:
                for chunk in self._llama.create_chat_completion(
                    messages=list(messages),
                    response_format={"type": "json_object", "schema": schema},
                    temperature=0.0,
                    max_tokens=max_tokens,
                    stream=True,
                ):
                    content = chunk["choices"][0]["delta"].get("content")
                    if content:  # the first and last chunks carry the role, the stop
                        pieces.append(content)
                        generated += 1
                    if deadline is not None and time.monotonic() > deadline:
                        raise LLMError("temps de rédaction dépassé")
                evaluated = self._llama.n_tokens
        except (ValueError, RuntimeError) as exc:  # context overflow, decode failure
            if isinstance(exc, LLMError):
                raise
            raise LLMError(str(exc)) from exc
        # Stream chunks carry no usage: each chunk is a token; n_tokens counts what the
        # model evaluated (the prompt, then every generated token but the last).
        return Completion(
            text="".join(pieces),
            prompt_tokens=max(0, evaluated - generated + 1),
            completion_tokens=generated,
            seconds=time.perf_counter() - started,
        )


class TransformersLLM:
    engine = "transformers"

    def __init__(self, folder: Path, *, device: str = "cpu", gguf_file: str = ""):
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise LLMUnavailable("transformers n'est pas installé : brouillon extractif.") from exc
        if not folder.is_dir():
            raise LLMUnavailable(f"Dossier du modèle introuvable : {folder}")
        self.model_name = f"{folder.name}/{gguf_file}" if gguf_file else folder.name
        self._torch = torch
        # A GGUF file is dequantised to full precision on load (slow, but the same weights
        # as the llama.cpp engine: useful to compare engines).
        extra = {"gguf_file": gguf_file} if gguf_file else {}
        self._tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, **extra)
        self._model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, **extra)
        self._model.to(device).eval()
        self._device = device
        self._lock = threading.Lock()

    def complete(
        self,
        messages: Sequence[dict],
        *,
        schema: dict,
        max_tokens: int,
        deadline: float | None = None,
    ) -> Completion:
        # No grammar here: the answer is validated after, like any other.
        started = time.perf_counter()
        limits = {"max_time": max(0.1, deadline - time.monotonic())} if deadline else {}
        inputs = self._tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self._device)
        with self._lock, self._torch.inference_mode():
            output = self._model.generate(
                input_ids=inputs["input_ids"],
                attention_mask=inputs["attention_mask"],
                max_new_tokens=max_tokens,
                do_sample=False,
                pad_token_id=self._tokenizer.pad_token_id or self._tokenizer.eos_token_id,
                **limits,
            )
        prompt_length = inputs["input_ids"].shape[1]
        generated = output[0][prompt_length:]
        return Completion(
            text=self._tokenizer.decode(generated, skip_special_tokens=True),
            prompt_tokens=int(prompt_length),
            completion_tokens=int(generated.shape[0]),
            seconds=time.perf_counter() - started,
        )


class OpenAICompatibleLLM:
    engine = "openai"

    def __init__(self, base_url: str, model: str, *, api_key: str = "", timeout: float = 120):
        import httpx

        if not base_url:
            raise LLMUnavailable("LLM_ENDPOINT_URL n'est pas renseigné : brouillon extractif.")
        self.model_name = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)
        self._timeout = timeout
        self._model = model

    def complete(
        self,
        messages: Sequence[dict],
        *,
        schema: dict,
        max_tokens: int,
        deadline: float | None = None,
    ) -> Completion:
        import httpx

        started = time.perf_counter()
        timeout = self._client.timeout
        if deadline is not None:
            timeout = httpx.Timeout(max(1.0, min(self._timeout, deadline - time.monotonic())))
        try:
            response = self._client.post(
                "/chat/completions",
                json={
                    "model": self._model,
                    "messages": list(messages),
                    "temperature": 0,
                    "max_tokens": max_tokens,
                    "response_format": {
                        "type": "json_schema",
                        "json_schema": {"name": "section", "schema": schema, "strict": True},
                    },
                },
                timeout=timeout,
            )
            response.raise_for_status()
            answer = response.json()
            text = answer["choices"][0]["message"]["content"] or ""
        except (httpx.HTTPError, KeyError, IndexError, TypeError, json.JSONDecodeError) as exc:
            raise LLMError(f"serveur LLM : {exc}") from exc
        usage = answer.get("usage") or {}
        return Completion(
            text=text,
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            seconds=time.perf_counter() - started,
        )


def _build(engine: str) -> LLM:
    if engine == "llama-cpp":
        return LlamaCppLLM(
            Path(settings.DRAFTING_MODEL_PATH),
            context=settings.DRAFTING_CONTEXT_TOKENS,
            threads=settings.DRAFTING_THREADS or None,
        )
    if engine == "transformers":
        return TransformersLLM(
            Path(settings.DRAFTING_MODEL_DIR),
            device=settings.DRAFTING_DEVICE,
            gguf_file=settings.DRAFTING_GGUF_FILE,
        )
    if engine == "openai":
        return OpenAICompatibleLLM(
            settings.LLM_ENDPOINT_URL,
            settings.LLM_ENDPOINT_MODEL,
            api_key=settings.LLM_ENDPOINT_API_KEY,
            timeout=settings.LLM_ENDPOINT_TIMEOUT,
        )
    raise LLMUnavailable(f"Moteur de rédaction inconnu : {engine}")


@functools.cache
def _cached(engine: str) -> LLM:
    return _build(engine)


def get_llm(engine: str | None = None) -> LLM | None:
    """The engine named by ``engine`` or ``DRAFTING_ENGINE``, loaded once per process;
    None for extractive drafting. Raises ``LLMUnavailable``."""
    engine = engine or settings.DRAFTING_ENGINE
    if engine not in ENGINES:
        raise LLMUnavailable(f"Moteur de rédaction inconnu : {engine}")
    if engine == "extractive":
        return None
    return _cached(engine)


def llm_or_fallback(engine: str | None = None) -> tuple[LLM | None, str]:
    """(engine, "") or, when it cannot run here, (None, the reason in French): the caller
    drafts extractively and shows the reason."""
    try:
        return get_llm(engine), ""
    except LLMUnavailable as exc:
        return None, exc.message
