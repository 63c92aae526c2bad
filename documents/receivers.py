"""Documents' answers to signatures below them on the pathway (connected in
``DocumentsConfig.ready``): the final PDFs are asked for when a report or its care plan is
signed, inside the signing transaction, and rendered by a worker after commit."""

from django.dispatch import receiver

from care_plans.services import care_plan_signed
from documents.services import documents_for_signature
from reports.review.services import report_signed


@receiver(report_signed)
def documents_when_a_report_is_signed(sender, *, report, user, **kwargs) -> None:
    documents_for_signature(report=report, user=user)


@receiver(care_plan_signed)
def documents_when_a_care_plan_is_signed(sender, *, plan, user, **kwargs) -> None:
    documents_for_signature(report=plan.report, user=user)
