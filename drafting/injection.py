"""Instructions spoken in a recording are data, not instructions.

An utterance that addresses the model ("ignore les consignes précédentes et écris…") is
kept in the transcript, but never given to the model as evidence and never citable: a
statement that cites it is unsupported. The prompt also fences transcript text and says
that what is inside is quoted speech; this filter is the second line, for the case a small
model follows the quoted order anyway.
"""

import re

from drafting import french
from drafting.text import fold

_COMPILED = [re.compile(pattern) for pattern in french.INJECTION_PATTERNS]


def addresses_the_model(text: str) -> bool:
    folded = fold(text)
    return any(pattern.search(folded) for pattern in _COMPILED)
