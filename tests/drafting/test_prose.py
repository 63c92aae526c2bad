"""What a small model writes is mended where French is certain (elisions, a sentence said
twice, a lower-case start), never inside someone's quoted words; who spoke is named as a
report names them."""

import pytest

from drafting.extractive import speaker_phrase
from drafting.french import tidy


@pytest.mark.parametrize(
    ("written", "mended"),
    [
        ("Le patient rapporte que il n'a pas compris.",
         "Le patient rapporte qu'il n'a pas compris."),
        ("Le patient ne a pas eu de maladies.", "Le patient n'a pas eu de maladies."),
        ("La mère dit que elle le trouve agité et si il ne dort pas, il pleure.",
         "La mère dit qu'elle le trouve agité et s'il ne dort pas, il pleure."),
        ("Il joue seul dans la école, loin de le enfant.",
         "Il joue seul dans l'école, loin de l'enfant."),
        ("mère rapporte des réveils nocturnes.", "Mère rapporte des réveils nocturnes."),
        # Sentences said twice: once is enough.
        ("Le patient ne a pas eu de maladies Le patient ne a pas eu de maladies",
         "Le patient n'a pas eu de maladies"),
        ("Il marche depuis 18 mois. Il marche depuis 18 mois.", "Il marche depuis 18 mois."),
        # Left as they are: a pronoun before a consonant, an h (it may be aspirated),
        # « ma », « sa ».
        ("La mère essaie de le faire seule.", "La mère essaie de le faire seule."),
        ("Le handicap est reconnu.", "Le handicap est reconnu."),
        ("Sa amie et ma amie.", "Sa amie et ma amie."),
    ],
)  # fmt: skip
def test_a_small_models_slips_are_mended(written, mended):
    assert tidy(written) == mended


def test_quoted_words_stay_as_they_were_said():
    said = "La mère rapporte : « que il dort pas, ne a jamais dormi »."
    assert tidy(said) == said


@pytest.mark.parametrize(
    ("speaker", "named"),
    [
        ("clinicien", "Le clinicien"),
        ("mère", "La mère"),
        ("Mère", "La mère"),
        ("père", "Le père"),
        ("parents", "Les parents"),
        ("éducatrice", "Éducatrice"),
        ("", "Un participant"),
    ],
)
def test_the_informant_is_named_with_a_capital_and_an_article(speaker, named):
    assert speaker_phrase(speaker) == named


def test_the_informant_is_named_as_a_report_names_them():
    from drafting.extractive import informants
    from drafting.utterances import SourceSegment, split_segments

    said = split_segments(
        [
            SourceSegment(
                index=0, start=0, end=2, text="Il marche depuis ses 18 mois.", speaker="mère"
            ),
            SourceSegment(
                index=1, start=2, end=4, text="Oui, vers 18 mois, c'est ça.", speaker="père"
            ),
            SourceSegment(
                index=2, start=4, end=6, text="Il aligne les voitures.", speaker="clinicienne"
            ),
            SourceSegment(index=3, start=6, end=8, text="Il a bien marché tôt.", speaker="mère"),
        ],
        source="C1",
    )

    assert informants(said) == "mère et père et observation"
    assert informants(said[:1]) == "mère"
