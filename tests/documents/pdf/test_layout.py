"""The final PDF as a reader finds it: identification, sections, the care plan's tables,
the signature, page numbers, the draft watermark, the document's properties."""

import re

import pytest

from documents.pdf import report_pdf_render
from reports.models import Report
from tests.documents.pdf.conftest import make_plan, sign_report
from tests.documents.pdf.support import (
    flat,
    pdf_fonts,
    pdf_info,
    pdf_pages_text,
    pdf_text,
    pdf_xmp,
    red_in_middle,
)
from tests.protocol_files import REPORT_PROTOCOL

pytestmark = pytest.mark.rendering


@pytest.fixture
def final_pdf(signed_report, signed_plan) -> bytes:
    return report_pdf_render(signed_report, care_plan=signed_plan).content


def test_identification_block(final_pdf, signed_report):
    text = flat(pdf_text(final_pdf))
    code = signed_report.dossier.patient.code
    for expected in (
        "Enfant (initiales) LM",
        f"Identifiant {code}",
        "Date de naissance 15/03/2023",
        "Sexe masculin",
        "Âge au bilan 3 ans 7 mois",
        "Version du compte rendu 1",
        "Consultations 02/11/2026 — téléconsultation (pédopsychiatre, mère)",
        "Protocoles Grille de test (communication) (version 1)",
        "Alice Clinicienne (clinicien) ; Charlie Coordinateur (coordinateur de parcours)",
    ):
        assert expected in text
    # The external member reads the document but is not one of its authors.
    assert "Dave" not in text


def test_sections_with_their_grid_items(final_pdf):
    text = flat(pdf_text(final_pdf))
    for title in (
        "1. Motif de la demande",
        "2. Communication sociale",
        "3. Sommeil et alimentation",
    ):
        assert title in text
    assert "Texte de la section « Communication sociale » rédigé pour le test." in text
    pages = [flat(page) for page in pdf_pages_text(final_pdf, layout=True)]
    grid = next(page for page in pages if "Pointage pour montrer" in page)
    assert "Pointage pour montrer non observé Prend la main de l'adulte pour" in grid
    assert "Âge des premiers mots non abordé" in grid


def test_care_plan_tables_print_retained_rows_only(final_pdf):
    text = flat(pdf_text(final_pdf))
    # Interventions: type, professional or structure, frequency, duration, place, funding.
    for cell in (
        "orthophonie",
        "Rééducation du langage",
        "Cabinet Lilas",
        "2 par semaine",
        "6 mois",
        "cabinet",
        "actes conventionnés (Assurance maladie)",
        "guidance parentale / PEHP",
        "CAMSP Nord",
        "forfait précoce (PCO)",
    ):
        assert cell in text
    assert "Professionnel ou structure Fréquence Durée Lieu Financement" in text
    assert "Séances proposées non décidées" not in text  # a proposal never decided
    assert "Séances écartées par la famille" not in text  # a row set aside
    # Needs, goals, school (PPS spelt out: not the plan personnalisé de santé), follow-up.
    assert "Développer la communication fonctionnelle" in text
    assert "Pointe spontanément 5 fois par jour 31/05/2027" in text
    assert "PPS — projet personnalisé de scolarisation (MDPH)" in text
    assert "à ne pas confondre avec le plan personnalisé de santé" in text
    assert "Réévaluation du plan Charlie Coordinateur" in text
    assert "Référent ou coordinateur de parcours Charlie Coordinateur" in text
    assert "mère, pédopsychiatre, orthophoniste" in text


def test_signature_blocks_and_no_watermark(final_pdf, signed_report):
    text = flat(pdf_text(final_pdf))
    assert text.count("Document validé et signé électroniquement") == 2  # report, plan
    assert "Signé par Alice Clinicienne Le 20/11/2026 à 15:35" in text
    assert signed_report.signed_sha256 in text
    assert "BROUILLON" not in text and "non validé" not in text
    assert max(red_in_middle(final_pdf)) == 0


def test_page_numbers_and_table_of_contents(final_pdf):
    pages = pdf_pages_text(final_pdf, layout=True)
    total = len(pages)
    assert total == int(pdf_info(final_pdf)["Pages"])
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} / {total}" in page
    contents = pages[0]
    assert "Sommaire" in contents
    # Each entry's page number is the page its heading is on.
    for title in ("2. Communication sociale", "Interventions", "Suivi et réévaluation"):
        found = re.search(rf"^\s*{re.escape(title)} ?\.+ ?(\d+)\s*$", contents, re.MULTILINE)
        assert found, title
        page = pages[int(found.group(1)) - 1]
        assert re.search(rf"^\s*{re.escape(title)}\s*$", page, re.MULTILINE), title


def test_the_care_plan_starts_on_its_own_page(final_pdf):
    pages = pdf_pages_text(final_pdf)
    start = next(i for i, page in enumerate(pages) if "Référent ou\ncoordinateur" in page)
    assert "Validation du compte rendu" not in pages[start]
    assert "Validation du compte rendu" in pages[start - 1]


def test_a_short_report_alone_has_no_table_of_contents(signed_report):
    assert "Sommaire" not in pdf_text(report_pdf_render(signed_report).content)


def test_a_draft_is_stamped_brouillon_on_every_page(report):
    section = report.sections.get(key="motif")
    section.body = "\n\n".join(
        f"Paragraphe {n} du brouillon, assez long pour remplir." for n in range(120)
    )
    section.save(update_fields=["body"])

    pdf = report_pdf_render(report).content

    pages = pdf_pages_text(pdf)
    assert len(pages) >= 3
    assert "BROUILLON — document non validé" in pages[0]
    assert all("BROUILLON" in page for page in pages)  # in the running header after page 1
    assert "Document non validé" in flat(pdf_text(pdf))
    assert "Document validé et signé" not in flat(pdf_text(pdf))
    # The diagonal watermark across the middle of every page.
    assert min(red_in_middle(pdf)) > 0.02


def test_a_draft_plan_of_a_signed_report_stamps_the_plan_pages_only(signed_report, alice, charlie):
    plan = make_plan(signed_report, clinician=alice, coordinator=charlie)

    pdf = report_pdf_render(signed_report, care_plan=plan, with_transcripts=False).content

    pages = pdf_pages_text(pdf)
    stamps = red_in_middle(pdf)
    for page, stamp in zip(pages, stamps, strict=True):
        in_plan = "Plan personnalisé d'interventions —" in page or "BROUILLON — plan" in page
        assert (stamp > 0.02) == in_plan, page[:200]
    assert "BROUILLON — plan non validé" in pdf_text(pdf)
    assert flat(pdf_text(pdf)).count("Document validé et signé électroniquement") == 1


def test_transcripts_annex_for_the_team_only(signed_report):
    team = flat(pdf_text(report_pdf_render(signed_report).content))
    recipients = flat(pdf_text(report_pdf_render(signed_report, with_transcripts=False).content))
    assert "Annexe : transcriptions" in team
    assert "Il ne pointe jamais, il prend ma main pour aller vers l'objet." in team
    assert "Annexe" not in recipients and "Il ne pointe jamais" not in recipients


def test_document_properties(final_pdf, signed_report):
    info = pdf_info(final_pdf)
    code = signed_report.dossier.patient.code
    assert info["Title"] == (
        f"Compte rendu de bilan {code} et plan personnalisé d'interventions (version 1)"
    )
    assert info["Author"] == "Alice Clinicienne"
    assert info["Creator"] == "neddie"
    assert "Grille de test (communication) v1" in info["Subject"]
    assert code in info["Keywords"]
    assert info["CreationDate"].startswith("Fri Nov 20 15:35:00 2026")
    # No initials in the properties a file manager shows.
    assert "LM" not in " ".join((info["Title"], info["Subject"], info["Keywords"]))


def test_draft_properties_and_letterhead_from_settings(report, settings):
    settings.REPORT_LETTERHEAD = "CRA de test"
    settings.REPORT_LETTERHEAD_LINES = ["1 rue des Essais, 75000 Paris", "Tél. 01 00 00 00 00"]

    pdf = report_pdf_render(report).content

    assert pdf_info(pdf)["Author"] == "CRA de test"  # no signer yet
    first = pdf_pages_text(pdf)[0]
    assert first.startswith("CRA de test\n1 rue des Essais, 75000 Paris\nTél. 01 00 00 00 00")


def test_pdf_a_3b_with_every_font_embedded(final_pdf):
    xmp = pdf_xmp(final_pdf)
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    fonts = pdf_fonts(final_pdf)
    assert fonts and all(font["embedded"] == "yes" for font in fonts)


def test_long_reports_get_a_table_of_contents(alice, tone_wav):
    """More than six sections: the reader needs the contents (here eight, no plan)."""
    from dossiers import services
    from reports.services import report_draft_ensure
    from tests.protocol_files import import_published

    protocol_file = REPORT_PROTOCOL.replace("slug: bilan-test", "slug: bilan-long") + "".join(
        f"    - key: annexe-{n}\n      title: Section supplémentaire {n}\n"
        f"      guidance: Consigne {n}.\n"
        for n in range(5)
    )
    protocol = import_published(protocol_file).protocol
    dossier = services.dossier_create(
        initials="TS", birth_date=None, sex="F", protocols=[protocol], created_by=alice
    )
    report = report_draft_ensure(dossier=dossier)
    assert report.sections.count() == 8
    report = sign_report(report, alice)
    assert report.status == Report.Status.SIGNED

    pages = pdf_pages_text(report_pdf_render(report).content, layout=True)
    assert "Sommaire" in pages[0]
    assert re.search(r"8\. Section supplémentaire 4 ?\.+ ?\d+", pages[0])
