import pytest

from transcription import guards as guards


@pytest.mark.parametrize(
    "text",
    [
        "Sous-titres réalisés par la communauté d'Amara.org",
        "Merci d'avoir regardé cette vidéo !",
        "Sous-titrage ST' 501",
        "Abonnez-vous !",
    ],
)
def test_subtitle_boilerplate_is_recognised(text):
    assert guards.is_boilerplate(text)


@pytest.mark.parametrize(
    "text",
    [
        "Merci beaucoup, on se revoit dans trois mois.",
        "Il regarde les vidéos de trains en boucle.",
        "Abonné à la médiathèque, il emprunte des livres.",
    ],
)
def test_real_sentences_are_not_boilerplate(text):
    assert not guards.is_boilerplate(text)


def test_a_segment_repeating_only_the_prompt_terms_is_an_echo():
    vocabulary = ["ADOS-2", "ADI-R", "Vineland", "orthophoniste"]
    assert guards.echoes_prompt("ADI-R, Vineland, orthophoniste.", vocabulary)
    assert not guards.echoes_prompt("L'orthophoniste a noté une écholalie.", vocabulary)
    assert not guards.echoes_prompt("ADI-R, Vineland.", [])


def test_unlikely_speech_needs_both_signals():
    assert guards.is_unlikely_speech(0.8, -0.9)
    assert not guards.is_unlikely_speech(0.8, -0.2)  # confident text: keep
    assert not guards.is_unlikely_speech(0.1, -0.9)  # speech, badly recognised: keep, flagged


def test_low_confidence_from_log_probability_or_words():
    assert guards.is_low_confidence(-1.3, [0.9, 0.9])
    assert guards.is_low_confidence(-0.4, [0.2, 0.3, 0.4])
    assert not guards.is_low_confidence(-0.4, [0.9, 0.8])


def test_the_vocabulary_prompt_keeps_the_first_terms_only():
    from transcription.engine import MAX_PROMPT_TERMS, vocabulary_prompt

    terms = [f"terme{n}" for n in range(40)]
    prompt = vocabulary_prompt(terms)
    assert prompt.endswith(f"terme{MAX_PROMPT_TERMS - 1}.")
    assert f"terme{MAX_PROMPT_TERMS}" not in prompt
    assert vocabulary_prompt([]) is None
