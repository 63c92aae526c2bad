"""The PDF reads the section text as Markdown too: lists and emphasis rendered, nothing
typed as HTML rendered as HTML."""

import pytest

from drafting import services as drafting
from tests.documents.pdf.door import pdf_through_the_door
from tests.documents.pdf.support import pdf_text

pytestmark = pytest.mark.rendering


def test_the_pdf_shows_the_rendered_list(client, report, section, alice):
    drafting.section_text_save(
        section=section,
        text="Signes relevés **par les parents** :\n\n- absence de pointage\n- *pas de réponse "
        "au prénom*\n\n<b>balise</b>",
        user=alice,
        based_on=1,
    )

    # The draft's PDF, as « Télécharger le PDF » gets it: rendered by the worker from the
    # text just saved.
    client.force_login(alice)
    text = pdf_text(pdf_through_the_door(client, report).pdf, layout=True)

    assert "Signes relevés par les parents :" in text
    assert "• absence de pointage" in text and "• pas de réponse au prénom" in text
    assert "**" not in text and "- absence" not in text
    assert "<b>balise</b>" in text  # typed HTML shows as typed
