"""Who may do what on the pathway, as object permissions (django-rules), in one place.

Every object belongs to a dossier, and every permission starts from the user's role in
that dossier's care team. Selectors still scope every query to the user's dossiers, so an
outsider gets a 404 for any id; these permissions decide, for members, between the page and
a 403 (a coordinator's attempt to edit, an external member's attempt to read a transcript).

Roles:
- clinician: writes the report, asks the AI for edits, validates and signs;
- coordinator (coordinateur de parcours): reads everything, reviews and comments;
- external member: reads only the documents shared with them by name (an active ``Share``:
  not revoked, not expired) of signed reports whose consultations all have the legal
  representative's sharing consent;
- admin: configures the site in the Django admin; sees patient data only as a team member.

Opening a dossier (and so becoming its clinician) is the one right that comes before any
dossier: a model permission, ``reports.open_dossier``, that an admin grants to an account
or to its group (« Cliniciens », made by migration 0009).
"""

import rules
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from reports.models import CarePlan, Dossier, DossierMember, Report, Share
from reports.review.transitions import EDITABLE, TRANSITIONS

Role = DossierMember.Role

OPEN_DOSSIER_CODENAME = "open_dossier"
OPEN_DOSSIER = f"reports.{OPEN_DOSSIER_CODENAME}"
CLINICIANS_GROUP = "Cliniciens"


def _dossier_id(obj) -> int:
    if isinstance(obj, Dossier):
        return obj.pk
    if isinstance(obj, Report):
        return obj.dossier_id
    if isinstance(obj, CarePlan):
        return obj.report.dossier_id
    raise TypeError(f"No dossier for {type(obj).__name__}")


def member_role(user: AbstractBaseUser, obj) -> str | None:
    """The user's role in the care team of ``obj``'s dossier (None: not a member)."""
    if not user.is_authenticated or obj is None:
        return None
    cache = user.__dict__.setdefault("_neddie_roles", {})
    dossier_id = _dossier_id(obj)
    if dossier_id not in cache:
        cache[dossier_id] = (
            DossierMember.objects.filter(dossier_id=dossier_id, user=user)
            .values_list("role", flat=True)
            .first()
        )
    return cache[dossier_id]


def report_sharing_refusal(report: Report) -> str | None:
    """Why ``report`` may not be shared with the team's external members (None: it may):
    every consultation it draws from needs the legal representative's sharing consent."""
    missing = sorted(
        {
            transcript.recording.consultation.date
            for transcript in report.transcripts.select_related("recording__consultation")
            if not transcript.recording.consultation.sharing_consent
        }
    )
    if missing:
        dates = ", ".join(f"{day:%d/%m/%Y}" for day in missing)
        return (
            "Partage impossible : le consentement du représentant légal au partage manque "
            f"pour la consultation du {dates}."
        )
    return None


@rules.predicate
def is_member(user, obj) -> bool:
    return member_role(user, obj) is not None


@rules.predicate
def is_clinician(user, obj) -> bool:
    return member_role(user, obj) == Role.CLINICIAN


@rules.predicate
def is_coordinator(user, obj) -> bool:
    return member_role(user, obj) == Role.COORDINATOR


@rules.predicate
def is_external(user, obj) -> bool:
    return member_role(user, obj) == Role.EXTERNAL


@rules.predicate
def is_editable(user, report) -> bool:
    return report is not None and report.status in EDITABLE


@rules.predicate
def is_in_review(user, report) -> bool:
    return report is not None and report.status == Report.Status.IN_REVIEW


@rules.predicate
def is_shared(user, report) -> bool:
    """Signed, and every consultation it draws from has the sharing consent."""
    return report is not None and report.is_signed and report_sharing_refusal(report) is None


@rules.predicate
def is_shared_with_user(user, report) -> bool:
    """Shared with this user by name, and the share is live (not revoked, not expired)."""
    return (
        report is not None
        and user.is_authenticated
        and Share.objects.active().filter(report=report, recipient=user).exists()
    )


@rules.predicate
def is_signed(user, obj) -> bool:
    return obj is not None and obj.status == "signed"


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
def plan_report_shared(user, plan) -> bool:
    return (
        plan is not None and is_shared(user, plan.report) and is_shared_with_user(user, plan.report)
    )


@rules.predicate
def may_start_care_plan(user, report) -> bool:
    return report is not None and report.status in (Report.Status.VALIDATED, Report.Status.SIGNED)


@rules.predicate
def is_granted_open_dossier(user) -> bool:
    """Granted by an admin, to the account or to one of its groups. Asked of the grants
    themselves, not ``user.has_perm``: being a superuser does not make one a clinician."""
    if not user.is_authenticated:
        return False
    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user),
        content_type__app_label="reports",
        codename=OPEN_DOSSIER_CODENAME,
    ).exists()


is_care_team = is_clinician | is_coordinator

# Before any dossier: who may open one, and so become its clinician.
rules.add_perm(OPEN_DOSSIER, is_granted_open_dossier)

# The pathway itself: consultations, recordings and their audio, transcripts, jobs.
rules.add_perm("reports.view_dossier", is_member)
rules.add_perm("reports.view_pathway", is_care_team)
# Coordinators organise the sessions and may file their recordings too.
rules.add_perm("reports.add_recording", is_care_team)
rules.add_perm("reports.change_transcript", is_clinician)
# Reports.
rules.add_perm(
    "reports.view_report", is_care_team | (is_external & is_shared & is_shared_with_user)
)
rules.add_perm("reports.view_report_sources", is_care_team)
rules.add_perm("reports.change_report", is_clinician & is_editable)
rules.add_perm("reports.comment_report", is_coordinator & is_in_review)
rules.add_perm("reports.resolve_comment", is_clinician & is_editable)
rules.add_perm(
    "reports.correct_report",
    is_clinician & rules.predicate(lambda user, report: report is not None and report.is_signed),
)

# Sharing signed documents: by the clinician, with the legal representative's consent.
rules.add_perm("reports.share_report", is_clinician & is_shared)
# Who shared what with whom: the care team reads it; the clinician shares and revokes (a
# share is revoked whatever the report's state: consent withdrawn is a reason to).
rules.add_perm("reports.view_shares", is_care_team)
rules.add_perm("reports.manage_shares", is_clinician)
# FHIR export: the care team (it carries the report and plan, not the transcripts).
rules.add_perm("reports.export_report", is_care_team)
# Care plans.
rules.add_perm("reports.add_care_plan", is_clinician & may_start_care_plan)
rules.add_perm(
    "reports.view_care_plan", is_care_team | (is_external & is_signed & plan_report_shared)
)
rules.add_perm("reports.change_care_plan", is_clinician & plan_is_open)
rules.add_perm("reports.sign_care_plan", is_clinician & plan_is_open)
# Follow-ups are the coordinator's reminders; the clinician marks them done too.
rules.add_perm("reports.change_follow_up", is_care_team)


def _may_make(transition):
    def check(user, report) -> bool:
        return (
            report is not None
            and report.status in transition.sources
            and member_role(user, report) == transition.role
        )

    return rules.predicate(check, name=f"may_{transition.name}")


for _transition in TRANSITIONS.values():
    rules.add_perm(f"reports.{_transition.name}_report", _may_make(_transition))

DENIED = {
    OPEN_DOSSIER: "Ouvrir un dossier est réservé aux cliniciens : un administrateur accorde "
    "ce droit (groupe « Cliniciens »).",
    "reports.view_pathway": "Réservé aux cliniciens et coordinateurs de l'équipe.",
    "reports.view_report": "Ce document n'est pas partagé avec vous.",
    "reports.view_report_sources": "Les transcriptions sont réservées aux cliniciens et "
    "coordinateurs de l'équipe.",
    "reports.add_recording": "Seuls les cliniciens et coordinateurs de l'équipe déposent "
    "des enregistrements.",
    "reports.change_transcript": "Seuls les cliniciens de l'équipe corrigent les transcriptions.",
    "reports.change_report": "Le compte rendu n'est modifiable que par les cliniciens de "
    "l'équipe, en brouillon ou à corriger.",
    "reports.comment_report": "Les commentaires de relecture sont réservés au coordinateur, "
    "pendant la relecture.",
    "reports.resolve_comment": "Seul le clinicien traite les commentaires, compte rendu "
    "modifiable.",
    "reports.correct_report": "Seul un clinicien de l'équipe corrige un compte rendu signé.",
    "reports.share_report": "Seul le clinicien partage un compte rendu signé, avec le "
    "consentement du représentant légal au partage.",
    "reports.view_shares": "Les partages sont consultés par les cliniciens et coordinateurs "
    "de l'équipe.",
    "reports.manage_shares": "Seul le clinicien de l'équipe partage un document ou révoque un "
    "partage.",
    "reports.export_report": "L'export est réservé aux cliniciens et coordinateurs de l'équipe.",
    "reports.add_care_plan": "Le plan d'interventions est établi par le clinicien, à partir "
    "d'un compte rendu validé.",
    "reports.view_care_plan": "Ce plan d'interventions n'est pas partagé avec vous.",
    "reports.change_care_plan": "Le plan n'est modifiable que par les cliniciens de l'équipe, "
    "tant qu'il n'est pas signé.",
    "reports.sign_care_plan": "Seul un clinicien de l'équipe signe le plan, tant qu'il est "
    "en brouillon.",
    "reports.change_follow_up": "Réservé aux cliniciens et coordinateurs de l'équipe.",
}


def can(user: AbstractBaseUser, permission: str, obj) -> bool:
    """Asked of the rules themselves, not ``user.has_perm``: Django answers yes to every
    permission of a superuser, and being an admin gives no right on patient data."""
    return rules.has_perm(permission, user, obj)


def require(user: AbstractBaseUser, permission: str, obj) -> None:
    """403 with a readable reason unless ``user`` has ``permission`` on ``obj``."""
    if not can(user, permission, obj):
        raise PermissionDenied(
            DENIED.get(permission, "Action non autorisée à votre rôle ou à ce statut.")
        )
