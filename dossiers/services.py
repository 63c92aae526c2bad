"""Writes on the pathway: dossiers, consultations, recordings, transcripts, reports and
pipeline jobs. Every function is keyword-only and raises ``ServiceError`` (with a French
message for the user) when the request cannot be honoured; nothing is half-stored."""

import contextlib
import hashlib
import io
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from audit.services import Action as AuditAction
from audit.services import audit_record
from dossiers.audio import AudioInputError, probe_audio
from dossiers.models import (
    Consultation,
    Dossier,
    DossierMember,
    DossierProtocol,
    Patient,
    Recording,
)
from dossiers.permissions import (
    CLINICIANS_GROUP,
    DENIED,
    OPEN_DOSSIER,
    OPEN_DOSSIER_CODENAME,
    can,
)
from neddie.errors import ServiceError
from protocols.models import Protocol

log = structlog.get_logger(__name__)

# Sent inside the upload's transaction: recording (a Recording), enqueue (queue the
# transcription once committed; False leaves it to the caller).
recording_stored = Signal()
# Sent inside the consent change's transaction: consultation, reason (in French).
recording_consent_withdrawn = Signal()


def _full_clean(instance) -> None:
    """Validate a model instance, turning Django's errors into one readable ServiceError."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages)) from exc


CONSENT_MISSING = (
    "Le consentement du représentant légal à l'enregistrement est requis "
    "(indiquez qui l'a donné) avant tout dépôt d'enregistrement."
)
SHARING_CONSENT_WHO_MISSING = (
    "Indiquez qui a donné le consentement au partage du compte rendu (nom du représentant légal)."
)
RECORDING_CONSENT_WITHDRAWN = (
    "Le consentement du représentant légal à l'enregistrement a été retiré (ou n'a jamais "
    "été recueilli) pour cette consultation : l'enregistrement n'est pas traité."
)


# --- Dossiers and consultations ---------------------------------------------------------


@transaction.atomic
def dossier_create(
    *,
    initials: str,
    birth_date: date | None,
    sex: str,
    protocols: Sequence[Protocol],
    created_by: AbstractBaseUser,
    gestational_age_weeks: int | None = None,
) -> Dossier:
    """Create a pseudonymised patient and their dossier following ``protocols`` (in that
    order); the creator joins the care team as clinician. Only an account an admin granted
    ``dossiers.open_dossier`` (the group « Cliniciens ») may."""
    if not can(created_by, OPEN_DOSSIER, None):
        raise ServiceError(DENIED[OPEN_DOSSIER])
    if not protocols:
        raise ServiceError("Choisissez au moins un protocole.")
    unpublished = [p.title for p in protocols if p.published_version() is None]
    if unpublished:
        raise ServiceError(f"Protocole sans version publiée : {', '.join(unpublished)}.")
    patient = Patient(
        initials=initials.strip().upper(),
        birth_date=birth_date,
        sex=sex,
        gestational_age_weeks=gestational_age_weeks,
    )
    _full_clean(patient)
    patient.save()
    dossier = Dossier(patient=patient, created_by=created_by)
    _full_clean(dossier)
    dossier.save()
    DossierProtocol.objects.bulk_create(
        DossierProtocol(dossier=dossier, protocol=protocol, position=position)
        for position, protocol in enumerate(protocols, start=1)
    )
    dossier_member_add(
        dossier=dossier, user=created_by, role=DossierMember.Role.CLINICIAN, added_by=created_by
    )
    audit_record(user=created_by, action=AuditAction.CREATE, obj=dossier)
    return dossier


@transaction.atomic
def dossier_member_add(
    *,
    dossier: Dossier,
    user: AbstractBaseUser,
    role: str,
    added_by: AbstractBaseUser | None = None,
) -> DossierMember:
    """Add ``user`` to the care team, or change their role if already a member."""
    member, _created = DossierMember.objects.update_or_create(
        dossier=dossier, user=user, defaults={"role": role}
    )
    audit_record(
        user=added_by,
        action=AuditAction.UPDATE,
        obj=dossier,
        detail=f"équipe : utilisateur {user.pk} rôle {role}",
    )
    return member


@transaction.atomic
def consultation_create(
    *,
    dossier: Dossier,
    date: date,
    modality: str,
    participants: str,
    recording_consent: bool,
    consent_given_by: str,
    created_by: AbstractBaseUser,
    consent_relationship: str = "",
    sharing_consent: bool = False,
) -> Consultation:
    """A consultation with the legal representative's consent as declared at the session:
    to its recording and automatic processing, and to sharing the report with the care
    team; who gave it, in what capacity, when, recorded by whom."""
    consent_given_by = consent_given_by.strip()
    if recording_consent and not consent_given_by:
        raise ServiceError(CONSENT_MISSING)
    if sharing_consent and not consent_given_by:
        raise ServiceError(SHARING_CONSENT_WHO_MISSING)
    consented = recording_consent or sharing_consent
    consultation = Consultation(
        dossier=dossier,
        date=date,
        modality=modality,
        participants=participants.strip(),
        recording_consent=recording_consent,
        sharing_consent=sharing_consent,
        consent_given_by=consent_given_by if consented else "",
        consent_relationship=consent_relationship if consented else "",
        consent_recorded_at=timezone.now() if consented else None,
        consent_recorded_by=created_by if consented else None,
        created_by=created_by,
    )
    _full_clean(consultation)
    consultation.save()
    audit_record(
        user=created_by,
        action=AuditAction.CREATE,
        obj=consultation,
        detail=_consent_detail(consultation),
    )
    return consultation


def _consent_detail(consultation: Consultation) -> str:
    # Labels only: the representative's name is patient data and stays out of the log.
    def yes_no(value: bool) -> str:
        return "oui" if value else "non"

    detail = (
        f"consentements : enregistrement {yes_no(consultation.recording_consent)}, "
        f"partage {yes_no(consultation.sharing_consent)}"
    )
    if consultation.consent_relationship:
        detail += f" (déclarés par : {consultation.get_consent_relationship_display()})"
    return detail


@transaction.atomic
def consultation_consent_set(
    *,
    consultation: Consultation,
    recording_consent: bool,
    sharing_consent: bool,
    given_by: str,
    relationship: str,
    user: AbstractBaseUser,
) -> Consultation:
    """Record what the legal representative now consents to for ``consultation``, given or
    withdrawn: its recording and automatic processing, and sharing the report with the care
    team; who says so, in what capacity, when, and who recorded it. Audited.

    A withdrawn recording consent stops the consultation's transcriptions under way (they
    fail with the reason; what was already transcribed stays). A withdrawn sharing consent
    takes the signed reports drawn from the consultation away from the team's external
    members at once (the selectors read it on every request). Declaring the same consents
    again by the same person changes nothing."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    given_by = given_by.strip()
    if not given_by:
        raise ServiceError(
            "Indiquez le nom du représentant légal qui donne ou retire son consentement."
        )
    if relationship not in Consultation.Relationship.values:
        raise ServiceError("Indiquez sa qualité : mère, père, tuteur ou autre représentant légal.")
    unchanged = (
        consultation.recording_consent == recording_consent
        and consultation.sharing_consent == sharing_consent
        and consultation.consent_given_by == given_by
        and consultation.consent_relationship == relationship
    )
    if unchanged:
        return consultation
    withdrawn = consultation.recording_consent and not recording_consent
    consultation.recording_consent = recording_consent
    consultation.sharing_consent = sharing_consent
    consultation.consent_given_by = given_by
    consultation.consent_relationship = relationship
    consultation.consent_recorded_at = timezone.now()
    consultation.consent_recorded_by = user
    _full_clean(consultation)
    consultation.save()
    if withdrawn:
        # The transcriptions still waiting stop (the transcription app hears it).
        recording_consent_withdrawn.send(
            sender=Consultation, consultation=consultation, reason=RECORDING_CONSENT_WITHDRAWN
        )
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=consultation,
        detail=_consent_detail(consultation),
    )
    return consultation


# --- Recordings ---------------------------------------------------------------------------


@contextlib.contextmanager
def local_path_for(audio: File) -> Iterator[Path]:
    """A path on disk for ``audio``: its own if it has one, else a temporary copy."""
    if hasattr(audio, "temporary_file_path"):
        yield Path(audio.temporary_file_path())
        return
    name = getattr(audio, "name", "") or ""
    if isinstance(audio.file, io.BufferedReader) and Path(name).is_file():
        yield Path(name)  # already a plain file on disk
        return
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix) as copy:
        audio.seek(0)
        shutil.copyfileobj(audio, copy)
        copy.flush()
        yield Path(copy.name)


def recording_upload(
    *,
    consultation: Consultation,
    audio: File,
    original_name: str,
    uploaded_by: AbstractBaseUser,
    speaker_label: str = "",
    enqueue: bool = True,
) -> Recording:
    """Store a recording for a consultation and queue its transcription (the transcription
    app hears of it by ``recording_stored``, in the same transaction).

    Refuses, with a message saying why and storing nothing: a consultation without
    recording consent, an empty, unreadable, oversized or too long file, and a file
    already uploaded for this consultation. The transcription task is dispatched only
    once the transaction has committed (``enqueue=False`` leaves it to the caller).
    """
    # Read from the database, not the caller's copy: the consent may have been withdrawn
    # since the consultation was loaded.
    if not Consultation.objects.filter(pk=consultation.pk, recording_consent=True).exists():
        raise ServiceError(CONSENT_MISSING)
    with local_path_for(audio) as path:
        try:
            info = probe_audio(
                path,
                max_bytes=settings.RECORDING_MAX_BYTES,
                max_seconds=settings.RECORDING_MAX_SECONDS,
            )
        except AudioInputError as exc:
            raise ServiceError(exc.message) from exc
        with open(path, "rb") as handle:
            sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        if consultation.recordings.filter(sha256=sha256).exists():
            raise ServiceError("Cet enregistrement a déjà été déposé pour cette consultation.")

        recording = Recording(
            consultation=consultation,
            original_name=Path(original_name).name[:255],
            size_bytes=path.stat().st_size,
            sha256=sha256,
            duration_seconds=info.duration_seconds,
            container=info.container,
            codec=info.codec,
            sample_rate=info.sample_rate,
            channels=info.channels,
            speaker_label=speaker_label.strip(),
            uploaded_by=uploaded_by,
        )
        with open(path, "rb") as handle:
            recording.file.save(original_name, File(handle), save=False)
    try:
        with transaction.atomic():
            _full_clean(recording)
            recording.save()
            audit_record(
                user=uploaded_by,
                action=AuditAction.CREATE,
                obj=recording,
                dossier_id=consultation.dossier_id,
            )
            # Transcription stands above the dossier: it queues its job on this signal,
            # sent after commit; with the broker down the job waits, nothing fails.
            recording_stored.send(sender=Recording, recording=recording, enqueue=enqueue)
    except BaseException:
        # The rows were rolled back: the stored file must not outlive them.
        recording.file.storage.delete(recording.file.name)
        raise
    log.info("recording.uploaded", recording_id=recording.pk)
    return recording


def consultation_record(
    *,
    dossier: Dossier,
    date: date,
    modality: str,
    participants: str,
    recording_consent: bool,
    consent_given_by: str,
    audio: File,
    original_name: str,
    user: AbstractBaseUser,
    speaker_label: str = "",
    enqueue: bool = True,
    consent_relationship: str = "",
    sharing_consent: bool = False,
) -> Recording:
    """Create a consultation with its recording in one step: if the recording is refused,
    the consultation is not created either."""
    with transaction.atomic():
        consultation = consultation_create(
            dossier=dossier,
            date=date,
            modality=modality,
            participants=participants,
            recording_consent=recording_consent,
            consent_given_by=consent_given_by,
            consent_relationship=consent_relationship,
            sharing_consent=sharing_consent,
            created_by=user,
        )
        return recording_upload(
            consultation=consultation,
            audio=audio,
            original_name=original_name,
            uploaded_by=user,
            speaker_label=speaker_label,
            enqueue=enqueue,
        )


# --- Transcripts and reports ----------------------------------------------------------------


# --- Speakers -------------------------------------------------------------------------------


# --- Service account for the command line -------------------------------------------------

CLI_OPERATOR_USERNAME = "neddie-cli"


def cli_operator_get() -> AbstractBaseUser:
    """The account that command-line processing is recorded under. It cannot log in. It
    opens the dossiers of the recordings it processes: whoever runs the command has the
    server's shell, so it holds ``dossiers.open_dossier`` (given back if an admin took it)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=CLI_OPERATOR_USERNAME,
        defaults={"first_name": "Ligne de commande", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.user_permissions.add(_open_dossier_permission())
    return user


# --- Who may open dossiers ------------------------------------------------------------------


def _open_dossier_permission() -> Permission:
    return Permission.objects.get(
        content_type__app_label="dossiers", codename=OPEN_DOSSIER_CODENAME
    )


@transaction.atomic
def clinician_grant(*, user: AbstractBaseUser) -> None:
    """Put ``user`` in the group « Cliniciens », whose permission opens dossiers, as an admin
    does in the admin. Idempotent; makes the group again if an admin deleted it."""
    group, _created = Group.objects.get_or_create(name=CLINICIANS_GROUP)
    group.permissions.add(_open_dossier_permission())
    user.groups.add(group)
