"""Guards against text Whisper invents where nobody spoke.

Voice activity detection removes most silence before decoding; these checks catch what
is left: segments the model itself thinks are not speech, its known boilerplate (subtitle
credits learnt from film subtitles), and echoes of the vocabulary prompt."""

import re
import unicodedata

# Phrases Whisper is known to produce on silence or noise, learnt from subtitle files.
# Compared after normalisation (lower case, no accents, no punctuation).
BOILERPLATE = [
    "sous-titres realises par la communaute d'amara.org",
    "sous-titres realises para la communaute d'amara.org",
    "sous-titrage st' 501",
    "sous-titrage fr",
    "sous-titres par",
    "merci d'avoir regarde cette video",
    "merci d'avoir regarde",
    "abonnez-vous",
    "n'oubliez pas de vous abonner",
    "amara.org",
    "subtitles by the amara.org community",
    "thank you for watching",
    "thanks for watching",
]

# A segment the decoder rates as probably not speech, with a weak likelihood, is dropped.
NO_SPEECH_PROBABILITY = 0.6
WEAK_LOG_PROBABILITY = -0.5
# Below this average log probability a kept segment is shown as uncertain.
LOW_CONFIDENCE_LOG_PROBABILITY = -1.0
LOW_CONFIDENCE_WORD_PROBABILITY = 0.45


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w'.\- ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip(" .-")


_BOILERPLATE = [normalise(phrase) for phrase in BOILERPLATE]


def is_boilerplate(text: str) -> bool:
    """Whole-segment subtitle credits and sign-offs (not a sentence that merely contains
    "merci")."""
    cleaned = normalise(text)
    return any(cleaned == phrase or cleaned.startswith(phrase) for phrase in _BOILERPLATE)


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", normalise(text)))


def echoes_prompt(text: str, vocabulary: list[str]) -> bool:
    """The segment only repeats vocabulary terms given as prompt: a known failure mode
    (the prompt is "heard" in silence or noise)."""
    words = _tokens(text)
    return bool(words) and bool(vocabulary) and words <= _tokens(" ".join(vocabulary))


def is_unlikely_speech(no_speech_probability: float, average_log_probability: float) -> bool:
    return (
        no_speech_probability > NO_SPEECH_PROBABILITY
        and average_log_probability < WEAK_LOG_PROBABILITY
    )


def is_low_confidence(average_log_probability: float, word_probabilities: list[float]) -> bool:
    if average_log_probability < LOW_CONFIDENCE_LOG_PROBABILITY:
        return True
    if word_probabilities:
        mean = sum(word_probabilities) / len(word_probabilities)
        return bool(mean < LOW_CONFIDENCE_WORD_PROBABILITY)
    return False
