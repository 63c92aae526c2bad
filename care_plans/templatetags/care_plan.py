"""The care plan block of the report pages, computed here so that the report views (the
editor's, the shared page's) need no care-plan context of their own."""

from django import template

from care_plans.models import CarePlan
from dossiers.permissions import can
from reports.models import Report

register = template.Library()


@register.inclusion_tag("care_plans/_report_block.html", takes_context=True)
def care_plan_block(context, report):
    """``{% care_plan_block report %}``: for a validated or signed report, its plan if the
    user may read it, else the clinician's button to establish it."""
    user = context["request"].user
    plan = None
    if report.status in (Report.Status.VALIDATED, Report.Status.SIGNED):
        plan = CarePlan.objects.filter(report=report).first()
        if plan is not None and not can(user, "care_plans.view_care_plan", plan):
            plan = None
    return {
        "report": report,
        "plan": plan,
        "can_start": plan is None and can(user, "care_plans.add_care_plan", report),
        "csrf_token": context.get("csrf_token"),
    }
