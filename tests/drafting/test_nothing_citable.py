"""The model never takes a worker down: a section, an edit or a care-plan proposal with
nothing citable never reaches the model, and a schema llama.cpp could not turn into a
grammar is refused before llama.cpp sees it (its parser crashes the worker process on an
empty choice: SIGSEGV, the job left « en cours »)."""

import threading

import pytest

from care_plans.drafting import draft_plan
from drafting import schemas, tasks
from drafting import services as drafting
from drafting.llm import LlamaCppLLM, LLMError, grammar_problem
from drafting.models import EditJob
from reports.models import SectionVersion
from tests.drafting.dossiers import consult, drafted
from tests.drafting.support import ScriptedLLM
from tests.drafting.transcripts import PARENT_INTERVIEW

llama_cpp = pytest.importorskip("llama_cpp")


def test_a_schema_with_nothing_to_cite_is_never_made():
    with pytest.raises(schemas.NothingCitable):
        schemas.free_text_schema([])
    with pytest.raises(schemas.NothingCitable):
        schemas.statements_schema([])
    assert schemas.free_text_schema(["C1-U0001"])["properties"]["statements"]


def test_an_empty_choice_is_refused_before_llama_cpp_parses_it():
    empty = {
        "type": "object",
        "properties": {"cites": {"type": "array", "items": {"type": "string", "enum": []}}},
        "required": ["cites"],
    }
    assert "règle vide" in grammar_problem(empty)
    assert grammar_problem(schemas.free_text_schema(["C1-U0001", "C1-U0002"])) is None


class _Untouchable:
    def __getattr__(self, name):
        raise AssertionError(f"llama.cpp was called ({name}) with a grammar it cannot parse")


def test_the_llama_cpp_engine_fails_the_call_and_never_reaches_llama_cpp():
    llm = LlamaCppLLM.__new__(LlamaCppLLM)
    llm._llama, llm._lock, llm.model_name = _Untouchable(), threading.Lock(), "test"
    empty = {"type": "object", "properties": {"x": {"enum": []}}, "required": ["x"]}
    with pytest.raises(LLMError, match="règle vide"):
        llm.complete([{"role": "user", "content": "?"}], schema=empty, max_tokens=10)


@pytest.fixture
def section_without_citations(drafting_dossier, alice, tone_wav):
    """A section whose accepted text is the clinician's own: nothing in it cites."""
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    section = drafting_dossier.reports.get().sections.get(key="communication")
    current = section.versions.get(status=SectionVersion.Status.ACCEPTED)
    drafting.section_text_save(
        section=section,
        text="Langage à préciser au prochain rendez-vous. Compréhension à évaluer.",
        user=alice,
        based_on=current.number,
    )
    return section


@pytest.mark.parametrize(
    ("action", "outcome"),
    [
        # Shortened without the model: one sentence kept, the proposal says why.
        ("shorten", EditJob.Status.DONE),
        # Nothing to rephrase without the model: the job fails, saying why.
        ("rephrase", EditJob.Status.FAILED),
    ],
)
def test_an_edit_of_a_passage_that_cites_nothing_never_asks_the_model(
    section_without_citations, alice, monkeypatch, action, outcome
):
    llm = ScriptedLLM([{"statements": []}])
    monkeypatch.setattr(drafting, "llm_or_fallback", lambda engine: (llm, ""))
    job = drafting.section_edit_request(
        section=section_without_citations, action=action, user=alice, enqueue=False
    )

    tasks.propose_section_edit.run(job.pk)

    job.refresh_from_db()
    assert llm.calls == []
    assert job.status == outcome  # never left running
    said = job.result.note if outcome == EditJob.Status.DONE else job.error_message
    assert "ce passage ne cite aucune transcription : le modèle n'est pas appelé" in said


def test_care_plan_proposals_from_an_empty_conclusion_never_ask_the_model():
    llm = ScriptedLLM([{"proposals": []}])
    result = draft_plan([], llm=llm)
    assert llm.calls == []
    assert result.proposals == []
    assert "Aucune phrase du compte rendu à citer" in result.message
