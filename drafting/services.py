"""Drafting writes: runs, section versions, proposals and their acceptance.

Guarantees:
- a draft never replaces text a clinician accepted: on a section that has an accepted
  version, a new draft or an AI edit is stored as a *proposal*; only
  ``section_version_accept`` makes a version the section's text (one accepted version per
  section, a database constraint), and no version is ever deleted;
- an answer typed by the clinician is never overwritten by a draft;
- every statement keeps its citations (utterances, stable across runs), its verification
  verdict and reasons; unsupported statements are stored, never put in the text.
"""

import difflib
import re
from collections.abc import Sequence

import structlog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import Action as AuditAction
from audit.services import audit_record
from dossiers.services import ServiceError
from drafting import edits
from drafting.drafter import (
    Draft,
    DraftStatement,
    SectionContext,
    SectionDraft,
    draft,
    grid_instructions,
)
from drafting.embeddings import get_embedder
from drafting.grid import Grid, grid_for_versions
from drafting.llm import llm_or_fallback
from drafting.models import Contradiction, DraftRun, EditJob, RoutedEvidence
from drafting.routing import Routing, parse_target_id, route
from drafting.utterances import SourceSegment, split_segments, with_turn_context
from drafting.utterances import Utterance as UtteranceData
from drafting.verification import Verdict
from neddie import rich_text
from neddie.jobs import (
    job_claim,
    job_dispatch,
    job_done,
    job_fail,
    job_heartbeat,
    job_progress,
    job_still_held,
)
from reports.models import Report, ReportItem, ReportSection, SectionVersion, Statement
from reports.review.transitions import EDITABLE
from transcription.models import Transcript, Utterance

log = structlog.get_logger(__name__)

DRAFT_FAILED = (
    "Erreur interne pendant la rédaction. L'équipe technique peut la retrouver avec la "
    "référence de la rédaction n° {run_id}."
)


class DraftingError(ServiceError):
    """A drafting request that cannot be honoured (``message`` is for the user)."""


def _require_editable(report: Report) -> None:
    """Text, answers and proposals change only in the statuses the workflow opens to
    changes (brouillon, à corriger)."""
    if report.status not in EDITABLE:
        raise DraftingError(
            f"Le compte rendu est {report.get_status_display()} : il n'est pas modifiable."
        )


class SectionConflict(DraftingError):
    """Someone changed the section since this text or proposal was based on it: nothing is
    overwritten; both texts are given back to choose from."""

    def __init__(self, *, current: SectionVersion | None, yours: str):
        number = current.number if current else 0
        super().__init__(
            f"Le texte de la section a changé entre-temps (version {number}) : "
            "comparez les deux textes avant d'enregistrer."
        )
        self.current = current
        self.yours = yours


# --- Utterances -------------------------------------------------------------------------


def _report_transcripts(report: Report) -> list[Transcript]:
    """In consultation order: C1 is the earliest consultation."""
    return list(
        report.transcripts.select_related("recording__consultation").order_by(
            "recording__consultation__date", "recording__consultation_id", "recording_id", "pk"
        )
    )


def transcript_utterances_ensure(transcript: Transcript) -> None:
    """Store the transcript's utterances once (idempotent): citations point to them."""
    if transcript.utterances.exists():
        return
    segments = list(transcript.segments.order_by("index"))
    by_index = {segment.index: segment for segment in segments}
    rows = [
        SourceSegment(index=s.index, start=s.start, end=s.end, text=s.text, speaker=s.speaker)
        for s in segments
    ]
    Utterance.objects.bulk_create(
        Utterance(
            transcript=transcript,
            segment=by_index[u.segment_index],
            index=number,
            text=u.text,
            start=u.start,
            end=u.end,
        )
        for number, u in enumerate(split_segments(rows, source="x"), start=1)
    )


def report_utterances(report: Report) -> tuple[list[UtteranceData], dict[str, Utterance], dict]:
    """(utterances for the drafting core, uid → stored row, source label → transcript id).
    Speakers come from the segments now: a speaker renamed since is renamed here too."""
    data: list[UtteranceData] = []
    rows: dict[str, Utterance] = {}
    sources: dict[str, int] = {}
    for number, transcript in enumerate(_report_transcripts(report), start=1):
        transcript_utterances_ensure(transcript)
        source = f"C{number}"
        sources[source] = transcript.pk
        stored = list(transcript.utterances.select_related("segment").order_by("index"))
        found = [
            UtteranceData(
                uid=f"{source}-U{row.index:04d}",
                source=source,
                speaker=row.segment.speaker,
                text=row.text,
                start=row.start,
                end=row.end,
                segment_index=row.segment.index,
            )
            for row in stored
        ]
        data += with_turn_context(found)
        rows.update({u.uid: row for u, row in zip(found, stored, strict=True)})
    return data, rows, sources


def report_grid(report: Report) -> Grid:
    versions = list(report.protocol_versions.select_related("protocol").order_by("pk"))
    return grid_for_versions(versions, report.child_age_months)


def _section_rows(report: Report) -> dict[tuple[str, str], ReportSection]:
    sections = report.sections.select_related("source_section__version__protocol")
    return {(s.source_section.version.protocol.slug, s.key): s for s in sections}


# --- Runs -------------------------------------------------------------------------------


def draft_run_request(
    *, report: Report, user: AbstractBaseUser | None = None, enqueue: bool = True
) -> DraftRun:
    """Queue a drafting of ``report`` (sent to a worker after commit unless ``enqueue`` is
    False: the caller runs it). A run already waiting is reused: it will read every
    transcript attached by the time it starts."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        _require_editable(report)
        waiting = report.runs.filter(status=DraftRun.Status.QUEUED).first()
        if waiting is not None:
            return waiting
        run = DraftRun.objects.create(report=report, requested_by=user)
        audit_record(user=user, action=AuditAction.CREATE, obj=run, dossier_id=report.dossier_id)
        if enqueue:
            job_dispatch(run)
    return run


def draft_with_engine(
    utterances, grid: Grid, *, engine: str | None = None, on_section=None
) -> Draft:
    """The drafting core with the configured (or named) engine and time budget; an engine
    that cannot run here gives an extractive draft that says why (``fallback_reason``)."""
    llm, reason = llm_or_fallback(engine)
    return draft(
        utterances,
        grid,
        llm=llm,
        embedder=get_embedder(),
        fallback_reason=reason,
        time_budget=settings.DRAFTING_TIME_BUDGET_SECONDS or None,
        on_section=on_section,
    )


def _section_progress(run: DraftRun):
    """Per-section progress on the run, shown on the page while a long draft goes on."""

    def report(number: int, total: int, title: str) -> None:
        job_progress(
            run,
            progress=5 + 90 * (number - 1) // max(total, 1),
            stage=f"Rédaction : section {number} sur {total} ({title})",
        )

    return report


def draft_run_execute(
    *, run_id: int, engine: str | None = None, owner: str = ""
) -> DraftRun | None:
    """Draft the run's report and store it (one transaction: a worker killed midway leaves
    nothing half-stored, and the run is drafted again). Safe to run twice: a run done, or
    held by another worker, is skipped (returns None). A failure is recorded on the run
    with a readable reason."""
    run = job_claim(DraftRun, run_id, owner=owner, stage="Rédaction du brouillon")
    if run is None:
        return None
    if run.report.status not in EDITABLE:
        job_fail(
            run,
            reason=f"Le compte rendu est {run.report.get_status_display()} : "
            "il n'est plus modifiable, le brouillon n'a pas été rédigé.",
        )
        return DraftRun.objects.get(pk=run_id)
    try:
        report = run.report
        with job_heartbeat(run):
            utterances, rows, sources = report_utterances(report)
            result = draft_with_engine(
                utterances, report_grid(report), engine=engine, on_section=_section_progress(run)
            )
        draft_store(run=run, result=result, rows=rows, sources=sources)
    except Exception:
        log.exception("draft.crashed", run_id=run_id)
        job_fail(run, reason=DRAFT_FAILED.format(run_id=run_id))
        raise
    log.info("draft.done", run_id=run_id, seconds=result.seconds.get("total"))
    return DraftRun.objects.get(pk=run_id)


@transaction.atomic
def draft_store(*, run: DraftRun, result: Draft, rows: dict[str, Utterance], sources: dict) -> None:
    """Store ``result`` on the run's report (see the module's guarantees); nothing when the
    run was taken over by another worker meanwhile (it stores its own)."""
    report = Report.objects.select_for_update().get(pk=run.report_id)
    if not job_still_held(run):
        log.warning("draft.taken_over", run_id=run.pk)
        return
    sections = _section_rows(report)
    for section_draft in result.sections:
        section = sections.get((section_draft.protocol, section_draft.key))
        if section is None:  # the report predates a section: nothing to write into
            continue
        items = {item.key: item for item in section.items.all()}
        findings = {i.key: i.finding for i in section_draft.items if i.finding}
        if _worth_a_version(section, section_draft, findings):
            _version_create(
                section=section,
                origin=SectionVersion.Origin.DRAFT,
                statements=section_draft.statements,
                findings=findings,
                rows=rows,
                items=items,
                run=run,
                note=section_draft.note,
            )
        for item_draft in section_draft.items:
            item = items.get(item_draft.key)
            if item is not None and item.draft_status != item_draft.status:
                item.draft_status = item_draft.status
                item.save(update_fields=["draft_status"])
        _evidence_store(run, section, section_draft, items, rows)
    for found in result.contradictions:
        protocol, section_key, item_key = parse_target_id(found.target)
        section = sections.get((protocol, section_key))
        if section is None:
            continue
        Contradiction.objects.create(
            run=run,
            section=section,
            item=section.items.filter(key=item_key).first() if item_key else None,
            first=rows[found.first],
            second=rows[found.second],
            reason=found.reason,
        )
    job_done(
        run,
        stage="Brouillon rédigé",
        engine=result.engine,
        model_name=result.model,
        prompt_version=result.prompt_version,
        protocol_versions=list(result.grid_versions),
        sources=sources,
        fallback_reason=result.fallback_reason,
        seconds=result.seconds,
        prompt_tokens=sum(s.prompt_tokens for s in result.sections),
        completion_tokens=sum(s.completion_tokens for s in result.sections),
    )


def _worth_a_version(section: ReportSection, section_draft: SectionDraft, findings) -> bool:
    """A draft with nothing to say, or saying exactly what the section already says, adds
    no version (and no proposal for the clinician to dismiss)."""
    accepted = section.versions.filter(status=SectionVersion.Status.ACCEPTED).first()
    if accepted is None:
        return bool(section_draft.statements)
    return section_draft.text != accepted.text or findings != accepted.findings


def _evidence_store(run, section, section_draft: SectionDraft, items, rows) -> None:
    entries = [(None, e) for e in section_draft.evidence] + [
        (items.get(item.key), e) for item in section_draft.items for e in item.evidence
    ]
    RoutedEvidence.objects.bulk_create(
        RoutedEvidence(
            run=run,
            section=section,
            item=item,
            utterance=rows[e.uid],
            score=e.score,
            similarity=e.similarity,
            keywords=list(e.keywords),
        )
        for item, e in entries
    )


# --- Versions ---------------------------------------------------------------------------


def _text(statements: Sequence[DraftStatement]) -> str:
    return " ".join(s.text for s in statements if s.shown)


def _diff(before: str, after: str) -> str:
    """Sentence by sentence (the same cut as the clinician's text), so that a quote ending
    in "»" stays one line."""

    def lines(text: str) -> list[str]:
        # Line by line first: a Markdown list item or paragraph is a line of its own.
        return [sentence + "\n" for line in text.splitlines() for sentence in _sentences(line)]

    return "".join(
        difflib.unified_diff(lines(before), lines(after), "actuel", "proposé", lineterm="\n")
    )


def _version_create(
    *,
    section: ReportSection,
    origin: str,
    statements: Sequence[DraftStatement],
    findings: dict,
    rows: dict[str, Utterance],
    items: dict[str, ReportItem],
    run: DraftRun | None = None,
    user: AbstractBaseUser | None = None,
    selection: Sequence[int] = (),
    note: str = "",
    based_on: SectionVersion | type[Ellipsis] | None = ...,
) -> SectionVersion:
    """``based_on``: the text the proposal was made from (default: the accepted one now).
    An edit computed in the background gives the text it started from: if the clinician
    changed the section since, accepting the proposal is then refused as a conflict."""
    section = ReportSection.objects.select_for_update().get(pk=section.pk)
    accepted = section.versions.filter(status=SectionVersion.Status.ACCEPTED).first()
    if based_on is not ...:
        accepted = based_on
    number = (section.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    text = _text(statements)
    # The first draft of an untouched section becomes its text; anything later is a
    # proposal next to the clinician's accepted text.
    first_draft = accepted is None and origin == SectionVersion.Origin.DRAFT
    version = SectionVersion.objects.create(
        section=section,
        number=number,
        origin=origin,
        status=SectionVersion.Status.ACCEPTED if first_draft else SectionVersion.Status.PROPOSED,
        based_on=accepted,
        selection=list(selection),
        text=text,
        diff=_diff(accepted.text if accepted else "", text),
        note=note,
        findings=findings,
        run=run,
        created_by=user,
    )
    for position, statement in enumerate(statements, start=1):
        row = Statement.objects.create(
            version=version,
            position=position,
            item=items.get(statement.item_key) if statement.item_key else None,
            text=statement.text,
            origin=statement.origin,
            verdict=statement.verdict.status,
            reasons=statement.verdict.reasons,
            support=statement.verdict.support,
        )
        row.citations.set([rows[uid] for uid in statement.cites if uid in rows])
    if first_draft:
        _apply(version, user=None)
    return version


def _apply(version: SectionVersion, *, user: AbstractBaseUser | None) -> None:
    """Make ``version`` the section's text and its findings the items' AI answers."""
    section = version.section
    section.body = version.text
    section.save(update_fields=["body"])
    for item in section.items.exclude(answer_source=ReportItem.AnswerSource.CLINICIAN):
        finding = version.findings.get(item.key, "")
        if finding and item.answer != finding:
            item.answer = finding
            item.answer_source = ReportItem.AnswerSource.AI
            item.save(update_fields=["answer", "answer_source"])


@transaction.atomic
def section_version_accept(*, version: SectionVersion, user: AbstractBaseUser) -> SectionVersion:
    """Accept a proposal: it becomes the section's text; the previous text is kept as a
    superseded version."""
    version = SectionVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != SectionVersion.Status.PROPOSED:
        raise DraftingError("Seule une proposition en attente peut être acceptée.")
    section = (
        ReportSection.objects.select_for_update()
        .select_related("report")
        .get(pk=version.section_id)
    )
    _require_editable(section.report)
    current = section.versions.filter(status=SectionVersion.Status.ACCEPTED).first()
    if (current.pk if current else None) != version.based_on_id:
        # Made on a text that has changed since (an edit during a regeneration): accepting
        # it would silently undo that change.
        raise SectionConflict(current=current, yours=version.text)
    section.versions.filter(status=SectionVersion.Status.ACCEPTED).update(
        status=SectionVersion.Status.SUPERSEDED
    )
    version.status = SectionVersion.Status.ACCEPTED
    version.decided_by = user
    version.decided_at = timezone.now()
    version.save(update_fields=["status", "decided_by", "decided_at"])
    _apply(version, user=user)
    _audit_change(user, section, f"proposition {version.number} acceptée")
    return version


@transaction.atomic
def section_version_accept_edited(
    *, version: SectionVersion, text: str, user: AbstractBaseUser
) -> SectionVersion:
    """Accept a proposal with the clinician's changes: the proposal is accepted as it came
    (kept in the history), then the clinician's text is saved on top of it; sentences left
    as proposed keep their citations, and undo goes back to the proposal as it came."""
    if not text.strip():
        raise DraftingError("Le texte modifié est vide : refusez la proposition plutôt.")
    accepted = section_version_accept(version=version, user=user)
    return section_text_save(
        section=accepted.section, text=text, user=user, based_on=accepted.number
    )


@transaction.atomic
def section_version_reject(*, version: SectionVersion, user: AbstractBaseUser) -> SectionVersion:
    version = (
        SectionVersion.objects.select_for_update()
        .select_related("section__report")
        .get(pk=version.pk)
    )
    if version.status != SectionVersion.Status.PROPOSED:
        raise DraftingError("Seule une proposition en attente peut être refusée.")
    _require_editable(version.section.report)
    _audit_change(user, version.section, f"proposition {version.number} refusée")
    version.status = SectionVersion.Status.REJECTED
    version.decided_by = user
    version.decided_at = timezone.now()
    version.save(update_fields=["status", "decided_by", "decided_at"])
    return version


@transaction.atomic
def section_text_save(
    *,
    section: ReportSection,
    text: str,
    user: AbstractBaseUser,
    based_on: int | None = None,
) -> SectionVersion:
    """The clinician's own text (Markdown): accepted at once, earlier text kept as
    superseded. Sentences kept from the accepted version keep their citations, verdict and
    confirmation, even if they gained emphasis or a list marker (matched on plain text).
    ``based_on``: the version number the editor loaded (0: none); if the section has moved
    on since, ``SectionConflict`` is raised and nothing is saved. A text identical to the
    accepted one saves nothing and returns that version (an autosave with no change, or
    a save that raced an autosave of the same text)."""
    # Browsers send a textarea's lines ended by CRLF: stored with LF, compared as such.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    section = ReportSection.objects.select_for_update().select_related("report").get(pk=section.pk)
    _require_editable(section.report)
    current = section.versions.filter(status=SectionVersion.Status.ACCEPTED).first()
    if current is not None and text.strip() == current.text:
        return current
    if based_on is not None and based_on != (current.number if current else 0):
        raise SectionConflict(current=current, yours=text)
    # Only sentences in the text: one typed again from the set-aside list is the
    # clinician's, not a statement verification rejected.
    previous: dict[str, list[Statement]] = {}
    for statement in current.statements.all() if current else []:
        if statement.shown:
            for key in rich_text.match_keys(statement.text):
                previous.setdefault(key, []).append(statement)
    number = (section.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    section.versions.filter(status=SectionVersion.Status.ACCEPTED).update(
        status=SectionVersion.Status.SUPERSEDED
    )
    version = SectionVersion.objects.create(
        section=section,
        number=number,
        origin=SectionVersion.Origin.CLINICIAN,
        status=SectionVersion.Status.ACCEPTED,
        based_on=current,
        text=text.strip(),
        diff=_diff(current.text if current else "", text.strip()),
        created_by=user,
        decided_by=user,
        decided_at=timezone.now(),
    )
    taken: set[int] = set()
    for position, sentence in enumerate(rich_text.split_statements(text, previous), start=1):
        kept = next((s for s in previous.get(sentence, []) if s.pk not in taken), None)
        if kept:
            taken.add(kept.pk)
        row = Statement.objects.create(
            version=version,
            position=position,
            item=kept.item if kept else None,
            text=sentence,
            origin=kept.origin if kept else Statement.Origin.CLINICIAN,
            verdict=kept.verdict if kept else Statement.Verdict.UNCHECKED,
            reasons=kept.reasons if kept else [],
            support=kept.support if kept else None,
        )
        if kept:
            row.citations.set(kept.citations.all())
            if kept.confirmed_at:
                row.confirmed_by_id, row.confirmed_at = kept.confirmed_by_id, kept.confirmed_at
                row.save(update_fields=["confirmed_by", "confirmed_at"])
    section.body = version.text
    section.save(update_fields=["body"])
    _audit_change(user, section, f"texte de la section (version {number})")
    return version


@transaction.atomic
def section_undo(*, section: ReportSection, user: AbstractBaseUser) -> SectionVersion:
    """Restore the text the current one replaced, as a new accepted version (history stays
    append-only, and an undo can itself be undone)."""
    section = ReportSection.objects.select_for_update().select_related("report").get(pk=section.pk)
    _require_editable(section.report)
    current = section.versions.filter(status=SectionVersion.Status.ACCEPTED).first()
    previous = current.based_on if current else None
    if previous is None:
        raise DraftingError("Rien à annuler : c'est le premier texte de la section.")
    number = (section.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    current.status = SectionVersion.Status.SUPERSEDED
    current.save(update_fields=["status"])
    restored = SectionVersion.objects.create(
        section=section,
        number=number,
        origin=SectionVersion.Origin.UNDO,
        status=SectionVersion.Status.ACCEPTED,
        based_on=current,
        text=previous.text,
        diff=_diff(current.text, previous.text),
        note=f"texte de la version {previous.number} rétabli",
        findings=previous.findings,
        created_by=user,
        decided_by=user,
        decided_at=timezone.now(),
    )
    for statement in previous.statements.all():
        citations = list(statement.citations.all())
        statement.pk = None  # saved as a new row, a copy in the restored version
        statement.version = restored
        statement.save()
        statement.citations.set(citations)
    _apply(restored, user=user)
    _audit_change(user, section, f"annulation : version {previous.number} rétablie")
    return restored


def _audit_change(user, section: ReportSection, detail: str) -> None:
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=section,
        dossier_id=section.report.dossier_id,
        detail=detail,
    )


@transaction.atomic
def statement_keep(*, statement: Statement, user: AbstractBaseUser) -> Statement:
    """The clinician has checked a flagged statement against its sources and keeps it: it
    no longer stands out (and no longer holds back the signature)."""
    statement = (
        Statement.objects.select_for_update()
        .select_related("version__section__report")
        .get(pk=statement.pk)
    )
    section = statement.version.section
    _require_editable(section.report)
    if statement.version.status != SectionVersion.Status.ACCEPTED:
        raise DraftingError("Cette phrase n'est plus dans le texte de la section.")
    if statement.confirmed_at is None:
        statement.confirmed_by = user
        statement.confirmed_at = timezone.now()
        statement.save(update_fields=["confirmed_by", "confirmed_at"])
        _audit_change(user, section, f"phrase {statement.position} gardée après vérification")
    return statement


@transaction.atomic
def statement_remove(*, statement: Statement, user: AbstractBaseUser) -> SectionVersion:
    """Delete one statement from the section's text: a new accepted version without it
    (the previous text stays in the history, and undo brings it back)."""
    statement = Statement.objects.select_related("version__section").get(pk=statement.pk)
    version = statement.version
    if version.status != SectionVersion.Status.ACCEPTED:
        raise DraftingError("Cette phrase n'est plus dans le texte de la section.")
    key = rich_text.statement_key(statement.text)
    occurrence = sum(
        1
        for earlier in version.statements.filter(position__lt=statement.position)
        if earlier.shown and rich_text.statement_key(earlier.text) == key
    )
    remaining = rich_text.without_statement(version.text, statement.text, occurrence=occurrence)
    if remaining is None:
        raise DraftingError("Phrase introuvable dans le texte : modifiez le texte directement.")
    return section_text_save(
        section=version.section, text=remaining, user=user, based_on=version.number
    )


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"(?<=[.!?…»])\s+", text.strip()) if part.strip()]


# --- AI edits ---------------------------------------------------------------------------


def _as_draft_statements(version: SectionVersion, rows_by_pk: dict[int, str]) -> list:
    statements = []
    for row in version.statements.prefetch_related("citations").select_related("item"):
        statements.append(
            DraftStatement(
                text=row.text,
                cites=[rows_by_pk[u.pk] for u in row.citations.all() if u.pk in rows_by_pk],
                item_key=row.item.key if row.item else None,
                origin=row.origin,
                verdict=Verdict(row.verdict, list(row.reasons), row.support),
            )
        )
    return statements


EDIT_FAILED = (
    "La modification n'a pas pu être faite (erreur interne, référence n° {job_id}) ; "
    "le texte de la section est inchangé."
)


def section_edit_request(
    *,
    section: ReportSection,
    action: str,
    user: AbstractBaseUser,
    selection: Sequence[int] | None = None,
    enqueue: bool = True,
) -> EditJob:
    """Ask a worker for an AI edit of the section as it is now (``selection``: 1-based
    statement positions; none: the whole section). Refused, with a reason, on an unknown
    action, an empty section, a report not open to changes, or while another edit of the
    same section is under way. The job is sent after commit (``enqueue=False``: the caller
    runs ``section_edit_execute``)."""
    if action not in edits.ACTIONS:
        raise DraftingError("Action inconnue.")
    with transaction.atomic():
        section = (
            ReportSection.objects.select_for_update().select_related("report").get(pk=section.pk)
        )
        _require_editable(section.report)
        current = section.versions.filter(status=SectionVersion.Status.ACCEPTED).first()
        if current is None and action != "regenerate":
            raise DraftingError("Cette section n'a pas encore de texte à modifier.")
        positions = sorted(set(selection or []))
        if positions and (
            positions[0] < 1 or positions[-1] > (current.statements.count() if current else 0)
        ):
            raise DraftingError("Sélection invalide : cochez des phrases de la section.")
        active = (EditJob.Status.QUEUED, EditJob.Status.RUNNING)
        if section.edit_jobs.filter(status__in=active).exists():
            raise DraftingError("Une modification par IA de cette section est déjà en cours.")
        job = EditJob.objects.create(
            section=section,
            action=action,
            selection=positions,
            based_on=current,
            requested_by=user,
            stage="En attente d'un processus de rédaction",
        )
        audit_record(
            user=user,
            action=AuditAction.CREATE,
            obj=job,
            dossier_id=section.report.dossier_id,
            detail=f"{action} de la section {section.pk}",
        )
        if enqueue:
            job_dispatch(job)
    return job


def section_edit_execute(
    *, job_id: int, engine: str | None = None, owner: str = ""
) -> EditJob | None:
    """Run a queued AI edit: its proposal is based on the text the job was asked on, so it
    never overwrites what the clinician wrote meanwhile (accepting it is then a conflict).
    Safe to run twice: a job done, or held by another worker, is skipped (None). A refusal
    or a failure is recorded on the job with a readable reason; the section's text never
    changes here."""
    job = job_claim(EditJob, job_id, owner=owner, stage="Préparation des passages")
    if job is None:
        return None
    job_progress(job, progress=5)
    try:
        with job_heartbeat(job):
            version = section_edit_propose(
                section=job.section,
                action=job.action,
                user=job.requested_by,
                selection=job.selection or None,
                engine=engine,
                based_on=job.based_on,
                progress=lambda percent, stage: job_progress(job, progress=percent, stage=stage),
            )
    except DraftingError as exc:
        job_fail(job, reason=exc.message)
        return EditJob.objects.get(pk=job_id)
    except Exception:
        log.exception("edit.crashed", job_id=job_id)
        job_fail(job, reason=EDIT_FAILED.format(job_id=job_id))
        raise
    job_done(job, stage="Proposition prête", result=version)
    log.info("edit.done", job_id=job_id, version_id=version.pk)
    return EditJob.objects.get(pk=job_id)


def section_edit_propose(
    *,
    section: ReportSection,
    action: str,
    user: AbstractBaseUser | None,
    selection: Sequence[int] | None = None,
    engine: str | None = None,
    based_on: SectionVersion | type[Ellipsis] | None = ...,
    progress=None,
) -> SectionVersion:
    """An AI edit of the section's text (the accepted one, or ``based_on``; or of the
    statements at ``selection``, 1-based positions) stored as a proposal with its diff.
    Replaces nothing. ``progress(percent, stage)`` hears of each step."""
    step = progress or (lambda percent, stage: None)
    if action not in edits.ACTIONS:
        raise DraftingError("Action inconnue.")
    section = ReportSection.objects.select_related("report").get(pk=section.pk)
    _require_editable(section.report)
    current = (
        section.versions.filter(status=SectionVersion.Status.ACCEPTED).first()
        if based_on is ...
        else based_on
    )
    if current is None and action != "regenerate":
        raise DraftingError("Cette section n'a pas encore de texte à modifier.")
    report = section.report
    utterances, rows, _sources = report_utterances(report)
    grid = report_grid(report)
    protocol = section.source_section.version.protocol.slug
    target = next(
        (s for s in grid.sections if s.key == section.key and s.protocol == protocol), None
    )
    if target is None:
        raise DraftingError("Section absente de la grille du compte rendu.")
    step(15, "Recherche des passages de la section")
    routing: Routing = route(utterances, grid, get_embedder())
    context = SectionContext(
        utterances={u.uid: u for u in utterances},
        routing=routing,
        embedder=get_embedder(),
        vocabulary=grid.vocabulary,
        instructions=grid_instructions(grid),
    )
    rows_by_pk = {row.pk: uid for uid, row in rows.items()}
    statements = _as_draft_statements(current, rows_by_pk) if current else []
    positions = [p - 1 for p in selection] if selection else None
    step(30, "Chargement du modèle")
    llm, reason = llm_or_fallback(engine)
    step(40, "Rédaction et vérification des phrases")
    try:
        result = edits.propose_edit(
            action,
            section=target,
            statements=statements,
            selection=positions,
            context=context,
            llm=llm,
        )
    except ValueError as exc:
        raise DraftingError(str(exc)) from exc
    step(90, "Enregistrement de la proposition")
    findings = result.findings if result.findings is not None else dict(current.findings)
    if current is not None and _text(result.statements) == current.text:
        # No proposal that changes nothing: say why instead.
        why = "; ".join(n for n in (reason, result.note) if n)
        raise DraftingError(
            "La proposition ne change rien au texte actuel" + (f" ({why})." if why else ".")
        )
    with transaction.atomic():
        return _version_create(
            section=section,
            origin=action,
            statements=result.statements,
            findings=findings,
            rows=rows,
            items={item.key: item for item in section.items.all()},
            user=user,
            selection=list(selection or []),
            note="; ".join(n for n in (reason, result.note) if n),
            based_on=current,
        )
