"""The exchange is the unit: a question with the answers it gets goes to one place, the
answers are the evidence, the question is their context and never a finding."""

from drafting.embeddings import get_embedder
from drafting.exchanges import exchanges
from drafting.routing import route
from drafting.utterances import SourceSegment, split_segments
from tests.drafting.support import drafting_grid


def _utterances(*turns: tuple[str, str]):
    return split_segments(
        [
            SourceSegment(index=i, start=i * 5.0, end=i * 5.0 + 4, text=text, speaker=speaker)
            for i, (speaker, text) in enumerate(turns)
        ],
        source="C1",
    )


def test_a_question_gathers_the_answers_that_follow_it():
    utterances = _utterances(
        ("clinicienne", "D'accord. Et à un an, est-ce qu'il pointait du doigt ?"),
        ("mère", "Non."),
        ("père", "Il prenait notre main pour nous emmener vers ce qu'il voulait."),
        ("clinicienne", "Il dormait bien ?"),
        ("mère", "Pas du tout, il se réveillait trois fois par nuit."),
    )

    found = exchanges(utterances)

    assert len(found) == 2
    assert " ".join(u.text for u in found[0].question).endswith("pointait du doigt ?")
    assert [u.speaker for u in found[0].answers] == ["mère", "père"]
    assert found[1].answer_text == "Pas du tout, il se réveillait trois fois par nuit."


def test_a_remark_without_a_question_stands_alone():
    utterances = _utterances(
        ("clinicienne", "Il aligne les voitures sur le tapis."),
        ("mère", "Oui, à la maison aussi, tout le temps."),
    )

    found = exchanges(utterances)

    assert [len(e.question) for e in found] == [0, 0]


def test_without_diarization_each_segment_is_its_own_turn():
    utterances = _utterances(
        ("inconnu", "Est-ce qu'il répond à son prénom ?"),
        ("inconnu", "Non, jamais, même quand on crie."),
    )

    found = exchanges(utterances)

    assert len(found) == 1
    assert found[0].answer_text == "Non, jamais, même quand on crie."


def test_question_and_answers_land_together_and_only_answers_are_evidence():
    utterances = _utterances(
        ("clinicienne", "Bonjour madame, vous m'entendez bien ?"),
        ("mère", "Oui, très bien, bonjour."),
        ("clinicienne", "Est-ce qu'il dort bien la nuit ?"),
        ("mère", "Non, il se réveille trois fois par nuit et il hurle."),
    )

    routing = route(utterances, drafting_grid(), get_embedder())

    greeting, greeting_answer, question, answer = (u.uid for u in utterances)
    assert routing.assignment[greeting][0] is None
    assert routing.assignment[greeting_answer][0] is None
    assert routing.assignment[question][0] == routing.assignment[answer][0]
    assert routing.assignment[answer][0] is not None
    cited = {e.uid for evidence in routing.evidence.values() for e in evidence}
    assert answer in cited
    assert question not in cited


def test_answers_on_one_topic_make_one_statement_citing_them_all():
    from drafting.extractive import merged_statement

    utterances = _utterances(
        ("clinicienne", "Et le sommeil ?"),
        ("mère", "Il se réveille trois fois par nuit."),
        ("mère", "Il dit « dodo » mais il ne veut pas dormir."),
        ("clinicienne", "Et la sieste ?"),
        ("père", "Non."),
    )
    said = {u.text: u for u in utterances}

    text, cites = merged_statement(
        [
            said["Il se réveille trois fois par nuit."],
            said["Il dit « dodo » mais il ne veut pas dormir."],
            said["Non."],
        ]
    )

    assert text.startswith("La mère rapporte : « Il se réveille trois fois par nuit. Il dit “dodo”")
    assert "à la question « Et la sieste ? », le père répond : « Non. »" in text
    assert cites == [u.uid for u in utterances[1:] if u.text != "Et le sommeil ?"]
    assert text.count("«") == text.count("»")
