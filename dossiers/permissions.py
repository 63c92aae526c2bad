"""Who may do what on the pathway, as object permissions (django-rules), each stage in its
own ``permissions`` module; this one holds the roles they all start from, the dossier's own
rules, and ``can``/``require``.

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
dossier: a model permission, ``dossiers.open_dossier``, that an admin grants to an account
or to its group (« Cliniciens », made by migration reports 0009).
"""

import rules
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from dossiers.models import Dossier, DossierMember

Role = DossierMember.Role

OPEN_DOSSIER_CODENAME = "open_dossier"
OPEN_DOSSIER = f"dossiers.{OPEN_DOSSIER_CODENAME}"
CLINICIANS_GROUP = "Cliniciens"


def _dossier_id(obj) -> int:
    # Every object of the pathway names its dossier (a report, a care plan: ``dossier_id``).
    if isinstance(obj, Dossier):
        return obj.pk
    try:
        return obj.dossier_id
    except AttributeError:
        raise TypeError(f"No dossier for {type(obj).__name__}") from None


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
def is_signed(user, obj) -> bool:
    return obj is not None and obj.status == "signed"


@rules.predicate
def is_granted_open_dossier(user) -> bool:
    """Granted by an admin, to the account or to one of its groups. Asked of the grants
    themselves, not ``user.has_perm``: being a superuser does not make one a clinician."""
    if not user.is_authenticated:
        return False
    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user),
        content_type__app_label="dossiers",
        codename=OPEN_DOSSIER_CODENAME,
    ).exists()


is_care_team = is_clinician | is_coordinator

# Before any dossier: who may open one, and so become its clinician.
rules.add_perm(OPEN_DOSSIER, is_granted_open_dossier)

# The pathway itself: consultations, recordings and their audio, transcripts, jobs.
rules.add_perm("dossiers.view_dossier", is_member)
rules.add_perm("dossiers.view_pathway", is_care_team)
# Coordinators organise the sessions and may file their recordings too.
rules.add_perm("dossiers.add_recording", is_care_team)

# Why a permission is refused, in French; each stage adds the messages of its own rules.
DENIED = {
    OPEN_DOSSIER: "Ouvrir un dossier est réservé aux cliniciens : un administrateur accorde "
    "ce droit (groupe « Cliniciens »).",
    "dossiers.view_pathway": "Réservé aux cliniciens et coordinateurs de l'équipe.",
    "dossiers.add_recording": "Seuls les cliniciens et coordinateurs de l'équipe déposent "
    "des enregistrements.",
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
