"""The PDF: a DocumentReference pointing to the team's rendered copy, with its size and
hash, and the Composition section that shows it."""

import base64
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from documents.fhir.common import (
    DOCUMENT_SYSTEM,
    REPORT_TYPE,
    FhirExportError,
    full_url,
    instant,
    ref,
)
from documents.fhir.narrative import narrative, paragraph, xhtml_div
from documents.fhir.practitioner import display_name
from documents.models import RenderedDocument
from reports.models import Report


def attachment_hash(document: RenderedDocument) -> tuple[str, int]:
    """The base64 SHA-1 of the stored file (FHIR's Attachment.hash is SHA-1) and its size.
    Refused if the file no longer matches the SHA-256 recorded when it was rendered: what
    is announced must be the file that was signed off."""
    sha1, sha256, size = hashlib.sha1(), hashlib.sha256(), 0  # noqa: S324 (FHIR says SHA-1)
    with document.file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            sha1.update(chunk)
            sha256.update(chunk)
            size += len(chunk)
    if document.sha256 and sha256.hexdigest() != document.sha256:
        raise FhirExportError(
            "Export FHIR impossible : le fichier PDF ne correspond plus à son empreinte."
        )
    return base64.b64encode(sha1.digest()).decode("ascii"), size


def document_url(document: RenderedDocument) -> str:
    """Where the care team downloads the PDF (absolute: Attachment.url is a URL)."""
    return settings.SITE_URL + reverse(
        "documents:document_download", kwargs={"document_id": document.pk}
    )


def document_reference_resource(
    document: RenderedDocument,
    report: Report,
    *,
    patient_url: str,
    composition_url: str,
    authors: list[tuple[str, AbstractBaseUser]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    sha1, size = attachment_hash(document)
    when = document.finished_at or document.created_at
    data = {
        "resourceType": "DocumentReference",
        "identifier": [{"system": DOCUMENT_SYSTEM, "value": str(document.pk)}],
        "status": "current",
        "docStatus": "final" if report.is_signed else "preliminary",
        "type": REPORT_TYPE,
        "subject": ref(patient_url),
        "date": instant(when),
        "author": [ref(url, display_name(user)) for url, user in authors],
        "description": "Compte rendu de bilan (PDF)",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "language": "fr-FR",
                    "url": document_url(document),
                    "size": size,
                    "hash": sha1,
                    "title": f"Compte rendu de bilan {report.dossier.patient.code}",
                    "creation": instant(when),
                }
            }
        ],
        "context": {"related": [ref(composition_url, "Compte rendu de bilan")]},
    }
    div = xhtml_div()
    paragraph(
        div,
        f"Version PDF du compte rendu, exemplaire {document.get_audience_display()} : "
        f"{size} octets, SHA-256 {document.sha256 or 'non enregistrée'}.",
    )
    section = {
        "title": "Document PDF",
        "text": narrative(div),
        "entry": [ref(full_url("document", document.pk))],
    }
    return data, section


def export_document(report: Report) -> RenderedDocument | None:
    """The PDF the bundle points to: the latest rendered copy for the care team."""
    return (
        report.documents.filter(
            status=RenderedDocument.Status.DONE, audience=RenderedDocument.Audience.TEAM
        )
        .exclude(file="")
        .order_by("-created_at", "-pk")
        .first()
    )
