"""Section text is Markdown: paragraphs, lists, emphasis and line breaks render; anything
that could run (scripts, event handlers, javascript: links, raw HTML) comes out as text."""

from html.parser import HTMLParser

import pytest

from neddie import rich_text
from neddie.templatetags.neddie_extras import rich_text as rich_text_filter


def test_lists_emphasis_and_line_breaks_render():
    html = rich_text.render(
        "Le parent rapporte *deux* inquiétudes **majeures** :\n\n"
        "- il ne pointe pas\n- il ne répond pas\n\n"
        "3. langage\n4. sommeil\n\nPremière ligne\nseconde ligne"
    )
    assert "<em>deux</em>" in html and "<strong>majeures</strong>" in html
    assert "<ul>\n<li>il ne pointe pas</li>\n<li>il ne répond pas</li>\n</ul>" in html
    assert '<ol start="3">' in html and "<li>sommeil</li>" in html
    assert "Première ligne<br>" in html  # a new line in the textarea is a new line


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[clic](javascript:alert(1))",
        "<a href='javascript:alert(1)'>clic</a>",
        "![x](javascript:alert(1))",
        "<javascript:alert(1)>",
        '<div onclick="alert(1)">x</div>',
        "<style>body{display:none}</style>",
        "<iframe src=https://example.org></iframe>",
        '**<svg onload="alert(1)">**',
    ],
)
def test_nothing_typed_comes_out_executable(hostile):
    html = rich_text.render(f"Texte {hostile} fin.")
    elements = _elements(html)
    assert {tag for tag, _attrs in elements} <= {"p", "strong"}
    assert all(not attrs for _tag, attrs in elements)  # no handler, href or src at all
    assert "javascript:" not in "".join(str(attrs) for _tag, attrs in elements)


def _elements(html: str) -> list[tuple[str, list]]:
    """Every element a browser would build from ``html``: (tag, attributes)."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_only_the_allow_list_survives_even_past_markdown():
    """The second line of defence: whatever markdown-it lets through, nh3 keeps only the
    tags and attributes of the allow-list."""
    cleaned = rich_text._cleaner.clean(
        '<p onclick="x">a</p><ol start="javascript:x" type="a"><li>b</li></ol>'
        "<script>alert(1)</script><a href='javascript:x'>c</a><img src=x onerror=y>"
    )
    assert cleaned == "<p>a</p><ol><li>b</li></ol>c"


def test_the_template_filter_is_safe_on_hostile_text():
    html = rich_text_filter('<script>alert("x")</script> *ok*')
    assert "&lt;script&gt;" in html and "<em>ok</em>" in html
    assert rich_text_filter(None) == ""


def test_sentences_are_cut_like_a_reader_would():
    text = (
        "Le parent rapporte : « Il ne pointe jamais. » Il a **18 mois. Il dort** mal.\n"
        "Ligne sans point\n\n- *Un.*\n- Deux ?"
    )
    found = rich_text.sentences(text)
    assert [s.plain for s in found] == [
        "Le parent rapporte : « Il ne pointe jamais. »",  # the quote stays whole
        "Il a 18 mois.",
        "Il dort mal.",
        "Ligne sans point",
        "Un.",
        "Deux ?",
    ]
    # Emphasis running over a cut is closed and reopened: each sentence is whole HTML.
    assert found[1].html == "Il a <strong>18 mois.</strong>"
    assert found[2].html == "<strong>Il dort</strong> mal."


def test_a_statement_of_several_sentences_stays_together_when_known():
    text = "Non. Il ne se retourne pas. Il joue seul."
    assert rich_text.split_statements(text) == ["Non.", "Il ne se retourne pas.", "Il joue seul."]
    assert rich_text.split_statements(text, ["Non. Il ne se retourne pas."]) == [
        "Non. Il ne se retourne pas.",
        "Il joue seul.",
    ]


def test_reading_matches_sentences_to_statements_by_plain_text():
    reading = rich_text.reading(
        "- **Il ne pointe jamais.**\n- Phrase du clinicien.\n\nIl dort mal.",
        [("Il ne pointe jamais.", "S1"), ("Il dort mal.", "S2"), ("Phrase retirée.", "S3")],
    )
    placed = [part for part in reading.parts if part.is_sentence]
    assert [(p.plain, p.statement) for p in placed] == [
        ("Il ne pointe jamais.", "S1"),
        ("Phrase du clinicien.", None),
        ("Il dort mal.", "S2"),
    ]
    assert placed[0].html == "<strong>Il ne pointe jamais.</strong>"
    assert "".join(p.html for p in reading.parts if not p.is_sentence).startswith("<ul><li>")
    assert reading.unplaced == ["S3"]


@pytest.mark.parametrize(
    ("source", "plain", "occurrence", "expected"),
    [
        ("Un. Deux. Trois.", "Deux.", 0, "Un. Trois."),
        ("Un. **Deux.** Trois.", "Deux.", 0, "Un. Trois."),
        ("**Un. Deux.** Trois.", "Deux.", 0, "**Un.** Trois."),
        ("- Un.\n- Deux.\n- Trois.", "Deux.", 0, "- Un.\n- Trois."),
        ("Un. Deux. Un.", "Un.", 1, "Un. Deux."),
        ("Intro :\n\n1. *Seule.*\n\nFin.", "Seule.", 0, "Intro :\n\nFin."),
    ],
)
def test_a_statement_is_cut_out_of_the_markdown(source, plain, occurrence, expected):
    assert rich_text.without_statement(source, plain, occurrence=occurrence) == expected


def test_a_statement_not_in_the_text_cannot_be_cut():
    assert rich_text.without_statement("Un. Deux.", "Trois.") is None
