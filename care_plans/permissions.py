"""Who may start, write, sign and read a care plan. Reading is the care team's; an
external professional reads a signed plan whose report is shared with them, a rule the
sharing stage adds on top of this one (``sharing/permissions.py``)."""

import rules

from care_plans.models import CarePlan
from dossiers.permissions import DENIED, is_care_team, is_clinician
from reports.models import Report


@rules.predicate
def plan_is_open(user, plan) -> bool:
    """A draft care plan whose report is validated or signed: the plan is built on a
    report that no longer moves."""
    return (
        plan is not None
        and plan.status == CarePlan.Status.DRAFT
        and plan.report.status in (Report.Status.VALIDATED, Report.Status.SIGNED)
    )


@rules.predicate
def may_start_care_plan(user, report) -> bool:
    return report is not None and report.status in (Report.Status.VALIDATED, Report.Status.SIGNED)


rules.add_perm("care_plans.add_care_plan", is_clinician & may_start_care_plan)
rules.add_perm("care_plans.view_care_plan", is_care_team)
rules.add_perm("care_plans.change_care_plan", is_clinician & plan_is_open)
rules.add_perm("care_plans.sign_care_plan", is_clinician & plan_is_open)
# Follow-ups are the coordinator's reminders; the clinician marks them done too.
rules.add_perm("care_plans.change_follow_up", is_care_team)

DENIED.update(
    {
        "care_plans.add_care_plan": "Le plan d'interventions est établi par le clinicien, à "
        "partir d'un compte rendu validé.",
        "care_plans.view_care_plan": "Ce plan d'interventions n'est pas partagé avec vous.",
        "care_plans.change_care_plan": "Le plan n'est modifiable que par les cliniciens de "
        "l'équipe, tant qu'il n'est pas signé.",
        "care_plans.sign_care_plan": "Seul un clinicien de l'équipe signe le plan, tant qu'il "
        "est en brouillon.",
        "care_plans.change_follow_up": "Réservé aux cliniciens et coordinateurs de l'équipe.",
    }
)
