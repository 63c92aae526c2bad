"""Every statement is checked against what it cites: planted errors are caught."""

import pytest

from drafting.embeddings import get_embedder
from drafting.utterances import Utterance
from drafting.verification import (
    FLAGGED,
    SUPPORTED,
    UNSUPPORTED,
    negated,
    numbers,
    verify,
)

EVIDENCE = {
    "C1-U0001": Utterance(
        "C1-U0001", "C1", "parent", "Il a dit ses premiers mots à 18 mois.", 0, 2, 0
    ),
    "C1-U0002": Utterance(
        "C1-U0002", "C1", "parent", "Il ne pointe jamais du doigt, il prend ma main.", 2, 4, 1
    ),
    "C1-U0003": Utterance(
        "C1-U0003", "C1", "clinicien", "L'ADOS-2 module 1 donne un score total de 14.", 4, 6, 2
    ),
    "C1-U0004": Utterance(
        "C1-U0004", "C1", "parent", "Oui, il se retourne quand on l'appelle.", 6, 8, 3
    ),
}


def check(text, cites):
    return verify(
        text,
        cites,
        utterances=EVIDENCE,
        allowed=set(EVIDENCE),
        embedder=get_embedder(),
        vocabulary=["ADOS-2", "Vineland"],
    )


@pytest.mark.parametrize(
    ("text", "cites"),
    [
        ("Les parents rapportent des premiers mots à 18 mois.", ["C1-U0001"]),
        ("Le parent rapporte que l'enfant ne pointe pas du doigt.", ["C1-U0002"]),
        ("L'ADOS-2 (module 1) donne un score total de 14.", ["C1-U0003"]),
        ("L'enfant se retourne quand on l'appelle.", ["C1-U0004"]),
    ],
)
def test_faithful_statements_are_supported(text, cites):
    verdict = check(text, cites)
    assert verdict.status == SUPPORTED, verdict.reasons
    assert verdict.support > 0.85


@pytest.mark.parametrize(
    ("text", "cites", "reason"),
    [
        # wrong age
        ("Les premiers mots sont apparus à 24 mois.", ["C1-U0001"], "nombre absent"),
        ("Les premiers mots sont apparus à 18 ans.", ["C1-U0001"], "âge ou durée absent"),
        # flipped negations, both ways
        ("L'enfant pointe du doigt pour montrer.", ["C1-U0002"], "affirmative"),
        ("L'enfant ne se retourne pas quand on l'appelle.", ["C1-U0004"], "négative"),
        # invented instrument and invented score
        ("La Vineland montre un retard de communication.", ["C1-U0001"], "Vineland"),
        ("L'ADOS-2 donne un score total de 22.", ["C1-U0003"], "22"),
        # invented drug
        ("Un traitement par Ritaline est en cours.", ["C1-U0002"], "Ritaline"),
        # a date the evidence does not give
        ("Les premiers mots datent de mars, à 18 mois.", ["C1-U0001"], "mars"),
    ],
)
def test_planted_unsupported_statements_are_caught(text, cites, reason):
    verdict = check(text, cites)
    assert verdict.status == UNSUPPORTED
    assert not verdict.shown
    assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_citing_a_passage_not_shown_is_unsupported():
    verdict = check("Il a dit ses premiers mots à 18 mois.", ["C9-U0042"])
    assert verdict.status == UNSUPPORTED
    assert "non fourni" in verdict.reasons[0]


def test_a_statement_without_citation_is_unsupported():
    assert check("Il a dit ses premiers mots à 18 mois.", []).status == UNSUPPORTED


def test_a_statement_unrelated_to_its_citation_is_flagged_for_review():
    verdict = check("Les repas se passent bien à la cantine.", ["C1-U0001"])
    assert verdict.status == FLAGGED
    assert verdict.shown


def test_numbers_in_words_and_digits_are_the_same_number():
    assert numbers("vers deux ans") == numbers("vers 2 ans") == {2.0}
    assert numbers("un an et demi") == {1.0, 0.5}
    assert numbers("il a un frère") == set()  # an article, not a number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Il ne parle pas.", True),
        ("Il parle pas encore.", True),
        ("Il n'a jamais pointé.", True),
        ("Aucun mot à 2 ans.", True),
        ("Il ne parle plus depuis ses 2 ans.", True),
        ("Il parle plus qu'avant.", False),
        ("Il pointe pour demander.", False),
    ],
)
def test_negation(text, expected):
    assert negated(text) is expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Je suis Madame.", "première ou deuxième personne"),
        ("Le patient peut me dire où vous avez mal.", "première ou deuxième personne"),
        ("L'enfant a dit ses premiers mots à 18 mois ?", "question"),
    ],
)
def test_sentences_that_are_not_report_prose_are_refused(text, reason):
    verdict = check(text, ["C1-U0001"])
    assert verdict.status == UNSUPPORTED
    assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_quoting_the_family_in_the_first_person_is_fine():
    verdict = check("Le parent rapporte : « Il a dit ses premiers mots à 18 mois. »", ["C1-U0001"])
    assert verdict.status == SUPPORTED


def test_copying_the_grids_hint_is_refused():
    hint = "Âge des premiers mots : âge auquel l'enfant a dit ses premiers mots."
    verdict = verify(
        "Âge auquel l'enfant a dit ses premiers mots.",
        ["C1-U0001"],
        utterances=EVIDENCE,
        allowed=set(EVIDENCE),
        embedder=get_embedder(),
        instructions=[hint],
    )
    assert verdict.status == UNSUPPORTED
    assert "consigne" in verdict.reasons[0]
