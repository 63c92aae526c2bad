"""Sharing signed documents: by the clinician, with the legal representative's consent;
and what a share opens to an external professional. A live share (not revoked, not
expired) widens the reading rules of the report and of its signed care plan, which the
stages below register for the care team alone."""

import rules
from django.db.models import Q

from dossiers.models import Dossier, DossierMember
from dossiers.permissions import DENIED, is_care_team, is_clinician, is_external, is_signed
from reports.models import Report
from reports.permissions import is_shared
from reports.selectors import REPORT_VISIBILITY
from sharing.models import Share


@rules.predicate
def is_shared_with_user(user, report) -> bool:
    """Shared with this user by name, and the share is live (not revoked, not expired)."""
    return (
        report is not None
        and user.is_authenticated
        and Share.objects.active().filter(report=report, recipient=user).exists()
    )


@rules.predicate
def plan_report_shared(user, plan) -> bool:
    return (
        plan is not None and is_shared(user, plan.report) and is_shared_with_user(user, plan.report)
    )


rules.set_perm(
    "reports.view_report", is_care_team | (is_external & is_shared & is_shared_with_user)
)
rules.set_perm(
    "care_plans.view_care_plan", is_care_team | (is_external & is_signed & plan_report_shared)
)
rules.add_perm("sharing.share_report", is_clinician & is_shared)
# Who shared what with whom: the care team reads it; the clinician shares and revokes (a
# share is revoked whatever the report's state: consent withdrawn is a reason to).
rules.add_perm("sharing.view_shares", is_care_team)
rules.add_perm("sharing.manage_shares", is_clinician)

DENIED.update(
    {
        "sharing.share_report": "Seul le clinicien partage un compte rendu signé, avec le "
        "consentement du représentant légal au partage.",
        "sharing.view_shares": "Les partages sont consultés par les cliniciens et "
        "coordinateurs de l'équipe.",
        "sharing.manage_shares": "Seul le clinicien de l'équipe partage un document ou révoque "
        "un partage.",
    }
)


def _reports_shared_with(user) -> Q:
    """The signed reports shared with ``user`` by name (a live share), in the dossiers where
    they are an external member (``reports.view_report`` also asks for the consent)."""
    external = Dossier.objects.filter(members__user=user, members__role=DossierMember.Role.EXTERNAL)
    shared = Share.objects.active().filter(recipient=user).values("report_id")
    return Q(dossier__in=external, status=Report.Status.SIGNED, pk__in=shared)


REPORT_VISIBILITY.append(_reports_shared_with)
