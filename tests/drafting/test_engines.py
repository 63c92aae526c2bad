"""Engine adapters: plumbing with a tiny random transformers model, parsing with answers
recorded from the real default model, a local OpenAI-compatible server, the fallback when
an engine cannot run, and one run of the real default model."""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from drafting import llm as llm_module
from drafting.drafter import draft
from drafting.embeddings import get_embedder
from drafting.llm import (
    LLMError,
    LLMUnavailable,
    OpenAICompatibleLLM,
    TransformersLLM,
    llm_or_fallback,
)
from drafting.verification import UNSUPPORTED
from tests.drafting.support import ScriptedLLM, drafting_grid, section_answers, utterances_of
from tests.drafting.transcripts import INJECTION, PARENT_INTERVIEW, transcript

RECORDED = Path(__file__).parent / "recorded" / "qwen-parent-interview.json"
MESSAGES = [
    {"role": "system", "content": "Tu rédiges."},
    {"role": "user", "content": "Section : test"},
]


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A randomly initialised two-layer Llama with a word-level tokenizer: real code
    paths of transformers (chat template, generate, decode), no weights to download."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-llm")
    words = [
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        '"',
        "items",
        "finding",
        "statements",
        "text",
        "cites",
        "oui",
        "non",
        "section",
        "test",
    ]
    vocab = {w: i for i, w in enumerate(["<pad>", "<s>", "</s>", "<unk>", *words])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
    )
    fast.chat_template = (
        "{% for m in messages %}{{ m['role'] }} : {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant :{% endif %}"
    )
    fast.save_pretrained(folder)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=4096,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


def test_transformers_engine_generates_from_a_local_folder(tiny_model_dir):
    engine = TransformersLLM(tiny_model_dir)
    completion = engine.complete(MESSAGES, schema={}, max_tokens=6)
    assert completion.prompt_tokens > 5
    assert 0 < completion.completion_tokens <= 6
    assert isinstance(completion.text, str)


def test_a_random_model_is_caught_by_validation_and_the_draft_falls_back(tiny_model_dir):
    utterances = utterances_of(transcript(PARENT_INTERVIEW))
    result = draft(
        utterances, drafting_grid(), llm=TransformersLLM(tiny_model_dir), embedder=get_embedder()
    )
    communication = next(s for s in result.sections if s.key == "communication")
    assert "réponse du modèle écartée" in communication.note
    assert communication.statements
    assert all(s.origin == "extractive" and s.cites for s in communication.statements)


def test_a_missing_model_folder_is_a_clear_unavailability(tmp_path):
    with pytest.raises(LLMUnavailable, match="introuvable"):
        TransformersLLM(tmp_path / "absent")


def recorded_answers() -> dict[str, str]:
    calls = json.loads(RECORDED.read_text())["calls"]
    return {call["section"].removeprefix("Section : "): call["answer"] for call in calls}


def test_recorded_answers_of_the_real_model_are_parsed_and_verified():
    """What Qwen2.5 0.5B actually answered on this transcript (recorded once with
    llama-cpp-python): valid JSON, but statements that misattribute, flip a negation or
    borrow a number. Verification must set every one of them aside."""
    utterances = utterances_of(transcript(PARENT_INTERVIEW + INJECTION))
    llm = ScriptedLLM(section_answers(recorded_answers()))
    result = draft(utterances, drafting_grid(), llm=llm, embedder=get_embedder())

    communication = next(s for s in result.sections if s.key == "communication")
    assert communication.note == ""  # parsed
    generated = [s for s in communication.statements if s.origin == "llm"]
    assert len(generated) == 3
    by_text = {s.text: s for s in generated}
    wrong_age = by_text["Le parent répond à son prénom, qui est vers 18 mois."]
    assert wrong_age.verdict.status == UNSUPPORTED
    assert "18" in wrong_age.verdict.reasons[0]
    assert all(not s.shown for s in generated)
    # What the clinician sees instead: the passages themselves.
    assert "« Il ne pointe jamais" in communication.text


class _Endpoint(BaseHTTPRequestHandler):
    answers: list = []
    requests: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        status, payload = type(self).answers.pop(0)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    _Endpoint.answers, _Endpoint.requests = [], []
    server = HTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1", _Endpoint
    server.shutdown()


def test_openai_compatible_endpoint_gets_the_schema_and_its_answer_is_parsed(endpoint):
    url, handler = endpoint
    answer = recorded_answers()["Sommeil et alimentation"]
    handler.answers.append(
        (
            200,
            {
                "choices": [{"message": {"content": answer}}],
                "usage": {"prompt_tokens": 654, "completion_tokens": 68},
            },
        )
    )
    engine = OpenAICompatibleLLM(url, "qwen2.5-7b-instruct", api_key="secret")
    schema = {"type": "object", "properties": {"items": {"type": "object"}}}
    completion = engine.complete(MESSAGES, schema=schema, max_tokens=50)

    request = handler.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer secret"
    assert request["body"]["model"] == "qwen2.5-7b-instruct"
    assert request["body"]["messages"] == MESSAGES
    assert request["body"]["temperature"] == 0
    assert request["body"]["response_format"]["json_schema"]["schema"] == schema
    assert completion.text == answer
    assert (completion.prompt_tokens, completion.completion_tokens) == (654, 68)


def test_an_endpoint_error_is_an_llm_error_and_the_draft_falls_back(endpoint):
    url, handler = endpoint
    handler.answers += [(500, {"error": "surcharge"})] * 5
    engine = OpenAICompatibleLLM(url, "m")
    with pytest.raises(LLMError):
        engine.complete(MESSAGES, schema={}, max_tokens=5)
    result = draft(
        utterances_of(transcript(PARENT_INTERVIEW)),
        drafting_grid(),
        llm=engine,
        embedder=get_embedder(),
    )
    assert all("serveur LLM" in s.note for s in result.sections if s.statements)


def test_an_unreachable_endpoint_is_an_llm_error():
    engine = OpenAICompatibleLLM("http://127.0.0.1:9/v1", "m", timeout=2)
    with pytest.raises(LLMError):
        engine.complete(MESSAGES, schema={}, max_tokens=5)


def test_when_llama_cpp_is_not_installed_the_draft_is_extractive_and_says_why(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import fails as if never built
    llm_module._cached.cache_clear()
    try:
        engine, reason = llm_or_fallback("llama-cpp")
    finally:
        llm_module._cached.cache_clear()
    assert engine is None
    assert "llama-cpp-python n'est pas installé" in reason
    assert "extractif" in reason


def test_an_unknown_engine_is_refused():
    engine, reason = llm_or_fallback("gpt-99")
    assert engine is None and "inconnu" in reason


@pytest.mark.llm
def test_the_real_default_model_drafts_a_short_transcript():
    """Qwen2.5 0.5B through llama.cpp, as shipped (prepare_models). Whatever it writes,
    nothing unsupported is shown, every shown sentence cites a passage, and the spoken
    injection changes nothing."""
    llm_module._cached.cache_clear()
    engine, reason = llm_or_fallback("llama-cpp")
    assert engine is not None, reason
    utterances = utterances_of(transcript(PARENT_INTERVIEW + INJECTION))
    result = draft(utterances, drafting_grid(), llm=engine, embedder=get_embedder())

    assert result.engine == "llama-cpp"
    communication = next(s for s in result.sections if s.key == "communication")
    assert communication.prompt_tokens > 200 and communication.completion_tokens > 5
    shown = [s for s in result.statements if s.shown]
    assert shown and all(s.cites for s in shown)
    assert all(s.verdict.status != UNSUPPORTED for s in shown)
    text = " ".join(s.text for s in shown)
    assert "22" not in text and "rispéridone" not in text
    assert next(i for i in communication.items if i.key == "jeu-symbolique").status == (
        "non_aborde"
    )
