"""Care-plan tasks: the proposals drafted from the report (queue ``drafting``) and the
coordinators' follow-up reminders (beat)."""

from celery import shared_task

from care_plans import reminders
from care_plans import services as care_plan_services
from care_plans.models import CarePlanDraftJob
from neddie.tasks import MAX_RETRIES, job_task_run


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def propose_care_plan_rows(self, job_id: int) -> None:
    """Propose needs, goals and interventions for a care plan from its validated report."""
    job_task_run(
        self,
        CarePlanDraftJob,
        job_id,
        lambda: care_plan_services.care_plan_draft_execute(
            job_id=job_id, owner=self.request.id or ""
        ),
    )


@shared_task(acks_late=True)
def send_follow_up_reminders() -> int:
    """Celery beat: email each coordinator the follow-ups due or overdue on their plans.
    A follow-up is reminded once (``reminded_at``)."""
    return reminders.follow_up_reminders_send()
