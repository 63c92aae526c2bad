"""The PDF renderer's task: WeasyPrint runs here, in a worker, never in a web request."""

from celery import shared_task

from documents import rendering as document_rendering
from documents.models import RenderedDocument
from neddie.tasks import MAX_RETRIES, job_task_run


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def render_document(self, document_id: int) -> None:
    """Render one PDF (``RenderedDocument``); one already rendered is skipped."""
    job_task_run(
        self,
        RenderedDocument,
        document_id,
        lambda: document_rendering.document_render_execute(
            document_id=document_id, owner=self.request.id or ""
        ),
    )
