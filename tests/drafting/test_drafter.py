"""The drafting core with a scripted model: what reaches the text, what is set aside, and
the fallbacks. The real model runs in test_engines.py."""

from drafting.drafter import NOT_ADDRESSED, PROPOSED, TO_COMPLETE, draft
from drafting.embeddings import get_embedder
from drafting.llm import LLMError
from drafting.verification import SUPPORTED, UNSUPPORTED
from tests.drafting.support import (
    ScriptedLLM,
    drafting_grid,
    section_answers,
    uid_of,
    utterances_of,
)
from tests.drafting.transcripts import (
    INJECTION,
    PARENT_INTERVIEW,
    SMALL_TALK,
    transcript,
)


def run(llm, *transcripts):
    utterances = utterances_of(*transcripts)
    return utterances, draft(utterances, drafting_grid(), llm=llm, embedder=get_embedder())


def section(result, key):
    return next(s for s in result.sections if s.key == key)


def item(section_draft, key):
    return next(i for i in section_draft.items if i.key == key)


def communication_answer(utterances, **overrides):
    items = {
        "reponse-prenom": {
            "finding": "non",
            "statements": [
                {
                    "text": "Le parent rapporte que l'enfant ne se retourne pas quand on "
                    "l'appelle.",
                    "cites": [uid_of(utterances, "il ne se retourne pas")],
                }
            ],
        },
        "pointage": {
            "finding": "non",
            "statements": [
                {
                    "text": "Le parent rapporte que l'enfant ne pointe jamais du doigt.",
                    "cites": [uid_of(utterances, "Il ne pointe jamais")],
                }
            ],
        },
        "premiers-mots": {
            "finding": "18 mois",
            "statements": [
                {
                    "text": "Le parent situe les premiers mots à 18 mois.",
                    "cites": [uid_of(utterances, "premiers mots à 18 mois")],
                }
            ],
        },
    }
    items.update(overrides)
    return {"items": items}


def test_verified_statements_fill_the_section_with_their_citations():
    utterances = utterances_of(transcript(PARENT_INTERVIEW))
    llm = ScriptedLLM(section_answers({"Communication sociale": communication_answer(utterances)}))
    _, result = run(llm, transcript(PARENT_INTERVIEW))
    communication = section(result, "communication")

    assert item(communication, "pointage").finding == "non"
    assert item(communication, "pointage").status == PROPOSED
    assert item(communication, "premiers-mots").finding == "18 mois"
    assert "ne pointe jamais du doigt" in communication.text
    llm_statements = [s for s in communication.statements if s.origin == "llm"]
    assert all(s.verdict.status == SUPPORTED and s.cites for s in llm_statements)
    texts = [s.text for s in llm_statements]
    # A proposed value is written as a report line, informant named, and a sentence that
    # only restates it is dropped; an observation's oui / non stays a proposed answer.
    assert not any(text.startswith("Pointage pour montrer :") for text in texts)
    assert "Âge des premiers mots : 18 mois (parent)." in texts
    assert "Le parent situe les premiers mots à 18 mois." not in texts
    assert "Le parent rapporte que l'enfant ne pointe jamais du doigt." in texts
    # Every statement of the whole draft cites at least one passage.
    assert all(s.cites for s in result.statements)


def test_the_model_sees_one_section_and_only_its_evidence():
    utterances = utterances_of(transcript(PARENT_INTERVIEW))
    llm = ScriptedLLM(section_answers({"Communication sociale": communication_answer(utterances)}))
    run(llm, transcript(PARENT_INTERVIEW))
    call = next(c for c in llm.calls if "Communication sociale" in c["messages"][-1]["content"])
    request = call["messages"][-1]["content"]
    assert "Il ne pointe jamais" in request
    assert "trois fois par nuit" not in request  # the sleep section's evidence
    # The schema only lets the model cite what it was shown, and answer the items it had.
    cites = call["schema"]["properties"]["items"]["properties"]["pointage"]["properties"][
        "statements"
    ]["items"]["properties"]["cites"]["items"]["enum"]
    assert uid_of(utterances, "Il ne pointe jamais") in cites
    assert uid_of(utterances, "trois fois par nuit") not in cites
    assert "jeu-symbolique" not in call["schema"]["properties"]["items"]["properties"]


def test_a_planted_hallucination_is_set_aside_and_the_evidence_quoted_instead():
    utterances = utterances_of(transcript(PARENT_INTERVIEW))
    wrong = communication_answer(
        utterances,
        pointage={
            "finding": "oui",
            "statements": [
                {
                    # flipped negation and an invented instrument score
                    "text": "L'enfant pointe du doigt ; l'ADOS-2 donne un score de 12.",
                    "cites": [uid_of(utterances, "Il ne pointe jamais")],
                }
            ],
        },
    )
    llm = ScriptedLLM(section_answers({"Communication sociale": wrong}))
    _, result = run(llm, transcript(PARENT_INTERVIEW))
    communication = section(result, "communication")

    rejected = [s for s in communication.statements if s.verdict.status == UNSUPPORTED]
    assert [s.item_key for s in rejected] == ["pointage"]
    assert "ADOS" not in communication.text and "score de 12" not in communication.text
    # The finding that rested on it is not proposed; the clinician gets the quote instead.
    assert item(communication, "pointage").status == TO_COMPLETE
    assert item(communication, "pointage").finding == ""
    quotes = [s for s in communication.statements if s.item_key == "pointage" and s.shown]
    assert quotes and quotes[0].origin == "extractive"
    assert "« Il ne pointe jamais" in quotes[0].text


def test_invalid_json_falls_back_to_quotes_and_says_why():
    _, result = run(ScriptedLLM(["{ceci n'est pas du JSON"]), transcript(PARENT_INTERVIEW))
    communication = section(result, "communication")
    assert "réponse du modèle écartée" in communication.note
    assert communication.statements and all(
        s.origin == "extractive" for s in communication.statements
    )
    assert all(i.status in (TO_COMPLETE, NOT_ADDRESSED) for i in communication.items)
    assert "« Il ne pointe jamais" in communication.text


def test_an_answer_outside_the_schema_falls_back():
    answer = {"items": {"pointage": {"finding": "peut-être", "statements": []}}}
    _, result = run(ScriptedLLM([answer]), transcript(PARENT_INTERVIEW))
    assert "réponse du modèle écartée" in section(result, "communication").note


def test_an_engine_error_falls_back():
    _, result = run(ScriptedLLM([LLMError("délai dépassé")]), transcript(PARENT_INTERVIEW))
    communication = section(result, "communication")
    assert "délai dépassé" in communication.note
    assert "« Il ne pointe jamais" in communication.text


def test_without_a_model_the_draft_quotes_and_decides_nothing():
    _, result = run(None, transcript(PARENT_INTERVIEW))
    assert result.engine == "extractive"
    assert all(s.origin == "extractive" for s in result.statements)
    assert all(s.verdict.status == SUPPORTED for s in result.statements)
    assert all(not i.finding for s in result.sections for i in s.items)
    assert all(s.cites for s in result.statements)


def test_a_short_answer_is_quoted_with_the_question_it_answers():
    utterances, result = run(
        None,
        transcript(
            [
                ("clinicien", "Est-ce qu'il dort bien la nuit, sans se réveiller ?"),
                ("parent", "Non, pas du tout."),
            ]
        ),
    )
    question, answer = (uid_of(utterances, t) for t in ("dort bien", "pas du tout"))
    quoted = [s for s in result.statements if answer in s.cites]
    assert quoted
    assert quoted[0].cites == [question, answer]
    assert quoted[0].text.startswith("À la question « Est-ce qu'il dort bien")


def test_small_talk_produces_no_statement():
    llm = ScriptedLLM(lambda messages, schema: LLMError("ne devrait pas être appelé"))
    _, result = run(llm, transcript(SMALL_TALK))
    assert result.statements == []
    assert llm.calls == []
    assert all(i.status == NOT_ADDRESSED for s in result.sections for i in s.items)


def test_spoken_instructions_never_reach_the_model_and_cannot_be_cited():
    utterances = utterances_of(transcript(INJECTION))
    injected = uid_of(utterances, "Ignore toutes les consignes")
    obeying = {
        "items": {
            "reponse-prenom": {
                "finding": "non",
                "statements": [
                    {"text": "L'ADOS-2 donne un score de 22.", "cites": [injected]},
                ],
            }
        }
    }
    llm = ScriptedLLM([obeying])
    _, result = run(llm, transcript(INJECTION))
    assert "Ignore toutes les consignes" not in llm.prompt_text()
    assert "rispéridone" not in llm.prompt_text()
    for call in llm.calls:
        assert injected not in str(call["schema"])
    communication = section(result, "communication")
    assert "22" not in communication.text and "ADOS" not in communication.text
    assert item(communication, "reponse-prenom").finding == ""
    assert injected not in {uid for s in result.statements if s.shown for uid in s.cites}
    assert result.routing.ignored == [injected]


def test_every_consultation_is_cited_with_its_own_id_and_contradictions_surface():
    first = transcript(PARENT_INTERVIEW)
    second = transcript(
        [
            ("clinicien", "Est-ce qu'il répond à son prénom maintenant ?"),
            ("parent", "Oui, il se retourne quand on l'appelle par son prénom."),
            ("clinicien", "Et le pointage ?"),
            ("parent", "Il pointe maintenant pour demander à boire."),
        ]
    )
    utterances, result = run(None, first, second)
    cited_sources = {uid.split("-")[0] for s in result.statements for uid in s.cites}
    assert cited_sources == {"C1", "C2"}

    pairs = {(c.target, c.first, c.second): c.reason for c in result.contradictions}
    name = (
        "grille-test:communication/reponse-prenom",
        uid_of(utterances, "il ne se retourne pas"),
        uid_of(utterances, "Oui, il se retourne"),
    )
    assert name in pairs
    assert "négatif" in pairs[name]
    # Passages on other matters are not opposed to each other.
    assert all(first.startswith("C1") and second.startswith("C2") for _, first, second in pairs)
    creche = uid_of(utterances, "La crèche")
    assert creche not in {c.first for c in result.contradictions}


def test_past_the_time_budget_sections_are_quoted_and_say_so():
    import time

    def slow(messages, schema):
        time.sleep(3.2)
        return LLMError("trop lent")

    llm = ScriptedLLM(slow)
    utterances = utterances_of(transcript(PARENT_INTERVIEW))
    result = draft(utterances, drafting_grid(), llm=llm, embedder=get_embedder(), time_budget=3.0)
    with_text = [s for s in result.sections if s.statements]
    assert len(with_text) >= 2
    assert len(llm.calls) == 1  # the budget ran out during the first call
    assert all("temps de rédaction dépassé" in s.note for s in with_text[1:])
    assert all(s.origin == "extractive" for s in result.statements)


def test_answers_the_written_sentences_leave_out_are_quoted_beside_them():
    utterances = utterances_of(transcript(PARENT_INTERVIEW))
    # The model writes one sentence on the name item, citing one of its two answers.
    answer = communication_answer(
        utterances,
        **{
            "reponse-prenom": {
                "finding": "",
                "statements": [
                    {
                        "text": "Le parent rapporte que l'enfant ne se retourne pas à l'appel.",
                        "cites": [uid_of(utterances, "il ne se retourne pas")],
                    }
                ],
            }
        },
    )
    llm = ScriptedLLM(section_answers({"Communication sociale": answer}))
    _, result = run(llm, transcript(PARENT_INTERVIEW))
    communication = section(result, "communication")

    on_item = [s for s in communication.statements if s.item_key == "reponse-prenom" and s.shown]
    cited = {uid for s in on_item for uid in s.cites}
    evidence = {e.uid for e in item(communication, "reponse-prenom").evidence}
    assert evidence <= cited  # every answer on the item lands
    assert (
        sum(
            1
            for s in on_item
            for uid in s.cites
            if uid == uid_of(utterances, "il ne se retourne pas")
        )
        == 1
    )
