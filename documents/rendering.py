"""Rendering a final PDF document, in the worker only: the web process never imports
WeasyPrint (``documents.pdf``); it asks for documents through ``services``."""

import hashlib
import secrets
import time

import structlog
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError, transaction

from audit.models import AuditEvent
from audit.services import audit_record
from documents.models import RenderedDocument
from documents.pdf import report_pdf_render
from neddie.jobs import job_claim, job_done, job_fail, job_heartbeat, job_still_held

log = structlog.get_logger(__name__)
Action = AuditEvent.Action
Audience = RenderedDocument.Audience

RENDER_FAILED = (
    "Le PDF n'a pas pu être produit (erreur interne). L'équipe technique peut la retrouver "
    "avec la référence du document n° {document_id} ; vous pouvez le demander à nouveau."
)


def document_render_execute(*, document_id: int, owner: str = "") -> RenderedDocument | None:
    """Render a queued document and store it (under MEDIA documents/, with its SHA-256,
    size, page count and rendering time), then mark it done. Safe to run twice: a document
    done, failed, or held by another worker is skipped (returns None). A failure is
    recorded on the document with a message for the user, and re-raised for the log."""
    document = job_claim(RenderedDocument, document_id, owner=owner, stage="Mise en page")
    if document is None:
        return None
    started = time.perf_counter()
    try:
        with job_heartbeat(document):
            rendered = report_pdf_render(
                document.report,
                care_plan=document.care_plan,
                with_transcripts=document.audience == Audience.TEAM,
            )
        seconds = time.perf_counter() - started
        _store(document=document, content=rendered.content, pages=rendered.pages, seconds=seconds)
    except OperationalError:
        raise  # transient: the task puts the job back in the queue and retries
    except Exception:
        log.exception("document.render_failed", document_id=document_id)
        job_fail(document, reason=RENDER_FAILED.format(document_id=document_id))
        raise
    log.info("document.rendered", document_id=document_id, pages=rendered.pages, seconds=seconds)
    return RenderedDocument.objects.get(pk=document_id)


@transaction.atomic
def _store(*, document: RenderedDocument, content: bytes, pages: int, seconds: float) -> None:
    if not job_still_held(document):  # taken over by another worker: it stores its own
        return
    # A random name: the stored path says nothing of the child.
    name = default_storage.save(f"documents/{secrets.token_hex(16)}.pdf", ContentFile(content))
    sha256 = hashlib.sha256(content).hexdigest()
    job_done(
        document,
        stage="Prêt",
        file=name,
        sha256=sha256,
        size_bytes=len(content),
        pages=pages,
        seconds=round(seconds, 3),
    )
    audit_record(
        user=None,
        action=Action.UPDATE,
        obj=document,
        dossier_id=document.report.dossier_id,
        detail=f"PDF produit ({pages} pages, SHA-256 {sha256})",
    )
