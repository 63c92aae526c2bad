"""Text normalisation shared by routing, verification and the injection filter."""

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents, apostrophes unified: for matching words and keywords."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").lower())
    return "".join(c for c in text if not unicodedata.combining(c))
