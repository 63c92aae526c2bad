"""The Composition: the report itself, one section per report section (its text and the
grid's items), first entry of the document bundle."""

import xml.etree.ElementTree as ET
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from documents.fhir.common import REPORT_SYSTEM, REPORT_TYPE, instant, ref
from documents.fhir.narrative import markdown_into, narrative, table, xhtml_div
from documents.fhir.practitioner import display_name
from reports.models import Report

# v3 Confidentiality "R" (restricted): a child's neurodevelopmental assessment.
CONFIDENTIALITY = "R"


def _section_div(section) -> ET.Element:
    div = xhtml_div()
    markdown_into(div, section.body)
    items = list(section.items.all())
    if items:
        table(
            div,
            ["Item", "Réponse"],
            [(item.label, item.answer or "non abordé") for item in items],
        )
    return div


def composition_resource(
    report: Report,
    *,
    patient_url: str,
    authors: list[tuple[str, AbstractBaseUser]],
    signer_url: str | None,
    extra_sections: list[dict[str, Any]],
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Composition",
        "language": "fr-FR",
        "identifier": {"system": REPORT_SYSTEM, "value": str(report.pk)},
        "status": "final" if report.is_signed else "preliminary",
        "type": REPORT_TYPE,
        "subject": ref(patient_url, report.dossier.patient.code),
        "date": instant(report.signed_at if report.is_signed else report.updated_at),
        "author": [ref(url, display_name(user)) for url, user in authors],
        "title": "Compte rendu de bilan",
        "confidentiality": CONFIDENTIALITY,
        "section": [
            {"title": section.title, "text": narrative(_section_div(section))}
            for section in report.sections.prefetch_related("items")
        ]
        + extra_sections,
    }
    if report.is_signed and signer_url:
        data["attester"] = [
            {"mode": "legal", "time": instant(report.signed_at), "party": ref(signer_url)}
        ]
    if report.corrects_id:
        # A correction is a new report that replaces the signed one.
        data["relatesTo"] = [
            {
                "code": "replaces",
                "targetIdentifier": {"system": REPORT_SYSTEM, "value": str(report.corrects_id)},
            }
        ]
    dates = sorted(
        {
            t.recording.consultation.date
            for t in report.transcripts.select_related("recording__consultation")
        }
    )
    if dates:
        data["event"] = [{"period": {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}}]
    return data
