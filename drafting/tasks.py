"""Drafting tasks (queue ``drafting``): a report's draft and a section's AI edit. Thin,
take a job's id, safe to run twice."""

from celery import shared_task

from drafting import services as drafting_services
from drafting.models import DraftRun, EditJob
from neddie.tasks import MAX_RETRIES, job_task_run


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def draft_report(self, run_id: int) -> None:
    """Draft a report (all its consultations) and store it as versions."""
    job_task_run(
        self,
        DraftRun,
        run_id,
        lambda: drafting_services.draft_run_execute(run_id=run_id, owner=self.request.id or ""),
    )


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def propose_section_edit(self, job_id: int) -> None:
    """Run one AI edit of a section (an ``EditJob``) into a proposal."""
    job_task_run(
        self,
        EditJob,
        job_id,
        lambda: drafting_services.section_edit_execute(job_id=job_id, owner=self.request.id or ""),
    )
