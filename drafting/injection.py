"""Instructions spoken in a recording are data, not instructions.

An utterance that addresses the model ("ignore les consignes précédentes et écris…") is
kept in the transcript, but never given to the model as evidence and never citable: a
statement that cites it is unsupported. The prompt also fences transcript text and says
that what is inside is quoted speech; this filter is the second line, for the case a small
model follows the quoted order anyway.
"""

import re

from drafting.text import fold

_PATTERNS = [
    # Imperatives only: "il ignore les consignes de la maîtresse" is clinical content.
    r"(^|[,.;:!?]\s*|\bet\s+)(ignore[sz]?|oublie[sz]?|ne tenez pas compte|ne tiens pas compte)"
    r"\b.{0,40}\b(consigne|instruction|regle|prompt|ce qui precede)",
    r"(^|[,.;:!?]\s*)(ignore|disregard|forget)\b.{0,30}\b(instruction|previous|above)",
    r"\b(ecri[st]|redige[sz]?|reponds|marque[sz]?|mets)\b.{0,30}\b(dans le|au) "
    r"(compte rendu|rapport|dossier)",
    r"\bnouvelles? (consigne|instruction)s?\b",
    r"\b(tu es|vous etes|en tant qu)\b.{0,20}"
    r"\b(ia|intelligence artificielle|assistant|modele|chatgpt|llm)\b",
    r"\b(system prompt|prompt systeme|jailbreak)\b",
    r"^\s*(ecris|ecrivez|redige|redigez|reponds|repondez) que\b",
    r"\bet (ecris|ecrivez|redige|redigez|note|notez) que\b",
]  # fmt: skip
_COMPILED = [re.compile(pattern) for pattern in _PATTERNS]


def addresses_the_model(text: str) -> bool:
    folded = fold(text)
    return any(pattern.search(folded) for pattern in _COMPILED)
