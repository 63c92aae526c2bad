"""Writes on protocol grids: import, duplicate, publish, retire. Content of a published
version never changes: the database refuses it (migration 0002) and these services never
try."""

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from protocols.formats import (
    ItemSpec,
    ProtocolFile,
    ProtocolFileError,
    RuleSpec,
    SectionSpec,
    VersionSpec,
    load_protocol_file,
    version_problems,
)
from protocols.models import DecisionRule, Protocol, ProtocolItem, ProtocolSection, ProtocolVersion

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"


class ProtocolError(Exception):
    """A protocol operation refused; ``message`` is written for the admin."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportResult:
    version: ProtocolVersion
    created: bool


# --- Import and export ----------------------------------------------------------------


@transaction.atomic
def protocol_import(
    *, content: bytes | str, publish: bool = False, user: AbstractBaseUser | None = None
) -> ImportResult:
    """Import a protocol file as a new version (a draft unless ``publish``).

    Idempotent: a file identical to the protocol's latest version creates nothing (it is
    only published if asked and still a draft). Raises ProtocolFileError, naming line and
    field, for an invalid file; nothing is written then.
    """
    spec = load_protocol_file(content)
    digest = spec.content_sha256()
    protocol, _created = Protocol.objects.update_or_create(
        slug=spec.slug,
        defaults={"title": spec.title, "scope": spec.scope, "description": spec.description},
    )
    latest = protocol.versions.order_by("-number").first()
    if latest is not None and latest.status != "retired" and _digest(latest) == digest:
        if publish and latest.is_draft:
            latest = version_publish(version=latest, user=user)
        return ImportResult(version=latest, created=False)

    version = _version_create(protocol=protocol, spec=spec.version, user=user)
    if publish:
        version = version_publish(version=version, user=user)
    return ImportResult(version=version, created=True)


def _digest(version: ProtocolVersion) -> str | None:
    if version.content_sha256:  # set at publication, and the content cannot change since
        return version.content_sha256
    try:
        return protocol_file_for(version).content_sha256()
    except ValueError:  # a draft left invalid in the admin matches no file
        return None


def protocol_file_for(version: ProtocolVersion) -> ProtocolFile:
    """The file content of a version (what export_protocol writes)."""
    protocol = version.protocol
    return ProtocolFile(
        format="neddie-protocol/1",
        slug=protocol.slug,
        title=protocol.title,
        scope=protocol.scope,
        description=protocol.description,
        version=_version_spec(version),
    )


def _version_spec(version: ProtocolVersion) -> VersionSpec:
    def band(obj) -> tuple[int, int] | None:
        if obj.min_age_months is None and obj.max_age_months is None:
            return None
        return (obj.min_age_months or 0, obj.max_age_months or 240)

    return VersionSpec(
        source_status=version.source_status,
        sources=version.source_list,
        notes=version.notes,
        vocabulary=version.vocabulary_list,
        sections=[
            SectionSpec(
                key=section.key,
                title=section.title,
                kind=section.kind,
                guidance=section.guidance,
                items=[
                    ItemSpec(
                        key=item.key,
                        label=item.label,
                        hint=item.hint,
                        examples=item.example_list,
                        keywords=item.keyword_list,
                        answer_type=item.answer_type,
                        role=item.role,
                        age_months=band(item),
                    )
                    for item in section.items.order_by("position")
                ],
            )
            for section in version.sections.order_by("position")
        ],
        rules=[
            RuleSpec(
                key=rule.key,
                kind=rule.kind,
                age_months=band(rule),
                min_signs=rule.min_signs,
                min_domains=rule.min_domains,
                urgency=rule.urgency,
                message=rule.message,
            )
            for rule in version.rules.order_by("position")
        ],
    )


def _version_create(
    *, protocol: Protocol, spec: VersionSpec, user: AbstractBaseUser | None
) -> ProtocolVersion:
    number = (protocol.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = ProtocolVersion.objects.create(
        protocol=protocol,
        number=number,
        source_status=spec.source_status,
        sources="\n".join(spec.sources),
        notes=spec.notes,
        vocabulary="\n".join(spec.vocabulary),
        created_by=user,
    )
    for s, section_spec in enumerate(spec.sections, start=1):
        section = ProtocolSection.objects.create(
            version=version,
            key=section_spec.key,
            title=section_spec.title,
            kind=section_spec.kind,
            guidance=section_spec.guidance,
            position=s,
        )
        ProtocolItem.objects.bulk_create(
            ProtocolItem(
                section=section,
                key=item.key,
                label=item.label,
                hint=item.hint,
                examples="\n".join(item.examples),
                keywords="\n".join(item.keywords),
                answer_type=item.answer_type,
                role=item.role,
                min_age_months=item.age_months[0] if item.age_months else None,
                max_age_months=item.age_months[1] if item.age_months else None,
                position=i,
            )
            for i, item in enumerate(section_spec.items, start=1)
        )
    DecisionRule.objects.bulk_create(
        DecisionRule(
            version=version,
            key=rule.key,
            kind=rule.kind,
            min_age_months=rule.age_months[0] if rule.age_months else None,
            max_age_months=rule.age_months[1] if rule.age_months else None,
            min_signs=rule.min_signs,
            min_domains=rule.min_domains,
            urgency=rule.urgency,
            message=rule.message,
            position=r,
        )
        for r, rule in enumerate(spec.rules, start=1)
    )
    return version


# --- Version workflow -------------------------------------------------------------------


@transaction.atomic
def version_duplicate(
    *, version: ProtocolVersion, user: AbstractBaseUser | None = None
) -> ProtocolVersion:
    """A new draft with the same content, numbered after the protocol's last version: how a
    published grid is edited."""
    return _version_create(protocol=version.protocol, spec=_version_spec(version), user=user)


@transaction.atomic
def version_publish(
    *, version: ProtocolVersion, user: AbstractBaseUser | None = None
) -> ProtocolVersion:
    """Publish a draft after validation; the previously published version is retired.

    Refuses (ProtocolError listing every problem) a version that is not a draft, has an
    empty section, duplicate keys or no report section.
    """
    version = ProtocolVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_draft:
        raise ProtocolError("Seul un brouillon peut être publié.")
    try:
        spec = protocol_file_for(version)
    except ValueError as exc:  # pydantic: a field the admin left invalid
        raise ProtocolError(f"Version invalide : {exc}") from exc
    problems = version_problems(spec.version)
    if problems:
        raise ProtocolError("Publication impossible : " + " ; ".join(m for _p, m in problems) + ".")
    now = timezone.now()
    for current in version.protocol.versions.select_for_update().filter(
        status=ProtocolVersion.Status.PUBLISHED
    ):
        current.status = ProtocolVersion.Status.RETIRED
        current.retired_at = now
        current.save(update_fields=["status", "retired_at"])
    version.status = ProtocolVersion.Status.PUBLISHED
    version.published_at = now
    version.published_by = user
    version.content_sha256 = spec.content_sha256()
    version.save(update_fields=["status", "published_at", "published_by", "content_sha256"])
    return version


@transaction.atomic
def version_retire(*, version: ProtocolVersion) -> ProtocolVersion:
    """Withdraw a published version: new dossiers no longer use it; reports keep it."""
    version = ProtocolVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != ProtocolVersion.Status.PUBLISHED:
        raise ProtocolError("Seule une version publiée peut être retirée.")
    version.status = ProtocolVersion.Status.RETIRED
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_at"])
    return version


# --- Defaults -------------------------------------------------------------------------


@transaction.atomic
def protocols_load_defaults() -> list[ImportResult]:
    """Import the protocols shipped in protocols/defaults/. Idempotent, and never overrides a
    site's own work: a shipped grid is published only for a protocol the site does not have
    yet. When a newer neddie ships different content for a protocol the site already has,
    it arrives as a draft for an admin to review, unless one of the site's versions already
    has that content."""
    results = []
    for path in sorted(DEFAULTS_DIR.glob("*.yaml")):
        content = path.read_bytes()
        try:
            spec = load_protocol_file(content)
        except ProtocolFileError as exc:
            raise ProtocolFileError([f"{path.name} : {error}" for error in exc.errors]) from exc
        protocol = Protocol.objects.filter(slug=spec.slug).first()
        if protocol is None:
            results.append(protocol_import(content=content, publish=True))
            continue
        digest = spec.content_sha256()
        known = next(
            (v for v in protocol.versions.order_by("-number") if _digest(v) == digest), None
        )
        if known is not None:
            results.append(ImportResult(version=known, created=False))
        else:
            results.append(protocol_import(content=content, publish=False))
    return results
