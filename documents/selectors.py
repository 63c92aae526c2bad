"""Reads for the final documents: what the print template shows (the report, its care
plan, the identification of the child and the team), and which rendered PDFs a user may
list and download.

A care-team member (clinician, coordinator) sees every document of the report; an
external member sees only the documents made for recipients (no transcripts) of a signed
report shared with them by name, and then only those whose care plan, if any, is signed.
Anything else is a 404, as for every read of the pathway."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from care_plans.models import CarePlan, CarePlanEntry, CarePlanSection
from documents.models import RenderedDocument
from dossiers import selectors
from dossiers.models import Consultation, DossierMember
from dossiers.people import display_name
from dossiers.permissions import can
from reports.models import Report, ReportItem
from reports.selectors import report_for_user, report_timelines, reports_for_user

Kind = CarePlanEntry.Kind

# Above this many report sections the document opens with a table of contents; the full
# document (report and care plan) always has one.
TOC_MIN_SECTIONS = 6


# --- Who sees which document ------------------------------------------------------------------


def _is_care_team(user: AbstractBaseUser, report: Report) -> bool:
    """The team's copy (with the transcripts) goes to those who may read the sources."""
    return can(user, "reports.view_report_sources", report)


def _recipient_documents(
    queryset: QuerySet[RenderedDocument], *, ready_only: bool = True
) -> QuerySet[RenderedDocument]:
    """What an external member may download: made for recipients, of a signed report, with
    no care plan or a signed one (a draft plan is never shown outside the care team).
    ``ready_only`` False: also those still being rendered, or failed (the waiting page of
    the PDF they asked for)."""
    if ready_only:
        queryset = queryset.filter(status=RenderedDocument.Status.DONE)
    return queryset.filter(
        audience=RenderedDocument.Audience.RECIPIENT,
        report__status=Report.Status.SIGNED,
    ).filter(Q(care_plan__isnull=True) | Q(care_plan__status=CarePlan.Status.SIGNED))


def report_documents(user: AbstractBaseUser, report: Report) -> list[RenderedDocument]:
    """The report's rendered PDFs the user may see, newest first (``report`` already read
    through ``report_for_user``)."""
    documents = RenderedDocument.objects.filter(report=report).select_related(
        "care_plan", "requested_by"
    )
    if not _is_care_team(user, report):
        documents = _recipient_documents(documents)
    return list(documents)


def document_for_user(
    user: AbstractBaseUser, document_id: int, *, ready_only: bool = True
) -> RenderedDocument:
    """One rendered PDF, 404 unless the user may read its report and this document
    (``ready_only`` False: an external member also reaches the recipients' copy while it is
    rendered or once it failed, to follow it; downloading needs it done anyway)."""
    document = get_object_or_404(
        RenderedDocument.objects.filter(report__in=reports_for_user(user)).select_related(
            "report__dossier__patient", "care_plan"
        ),
        pk=document_id,
    )
    # The same checks as the report page (sharing consent, a live share for externals).
    report = report_for_user(user, document.report_id)
    if (
        not _is_care_team(user, report)
        and not _recipient_documents(
            RenderedDocument.objects.filter(pk=document.pk), ready_only=ready_only
        ).exists()
    ):
        raise Http404
    return document


def document_filename(document: RenderedDocument) -> str:
    """The name a download is saved under: the pseudonym code, never the child's name."""
    report = document.report
    stem = f"compte-rendu-{report.dossier.patient.code}-v{report.version_number}"
    if document.care_plan_id:
        stem += "-et-plan"
    if report.status != Report.Status.SIGNED:
        stem += "-brouillon"
    return f"{stem}-{document.pk}.pdf"


# --- What the print template shows -------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """A signature block: who signed, when, and the hash of what the signature covers."""

    signed: bool
    signer: str = ""
    signed_at: datetime | None = None
    sha256: str = ""


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    title: str
    level: int = 1


@dataclass
class EntryTable:
    """The retained rows of one kind in a care-plan section, as the table prints them."""

    kind: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class PlanSection:
    section: CarePlanSection
    tables: list[EntryTable] = field(default_factory=list)


def _day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _who(entry: CarePlanEntry) -> str:
    return " — ".join(
        part for part in (display_name(entry.responsible), entry.professional) if part
    )


# The columns of each kind of row: (header, value). The text column's header names what the
# row is; the choices are spelt out, as the family and the school read them.
COLUMNS = {
    Kind.NEED: [
        ("Priorité", lambda e: str(e.priority or "")),
        ("Domaine", lambda e: e.get_domain_display()),
        ("Besoin", lambda e: e.text),
    ],
    Kind.GOAL: [
        ("Domaine", lambda e: e.get_domain_display()),
        ("Objectif", lambda e: e.text),
        ("Critère d'atteinte", lambda e: e.criterion),
        ("Échéance", lambda e: _day(e.target_date)),
    ],
    Kind.INTERVENTION: [
        ("Type", lambda e: e.get_intervention_type_display()),
        ("Intervention", lambda e: e.text),
        ("Professionnel ou structure", lambda e: e.professional),
        ("Fréquence", lambda e: e.frequency),
        ("Durée", lambda e: e.duration),
        ("Lieu", lambda e: e.get_place_display()),
        ("Financement", lambda e: e.get_funding_display()),
    ],
    Kind.SCHOOL: [
        ("Mesure", lambda e: e.get_school_measure_display()),
        ("Précisions", lambda e: e.text),
    ],
    Kind.STEP: [
        ("Démarche", lambda e: e.text),
        ("Qui l'engage", _who),
        ("Échéance", lambda e: _day(e.target_date)),
    ],
    Kind.ASSESSMENT: [
        ("Bilan ou examen", lambda e: e.text),
        ("Professionnel ou structure", _who),
        ("Délai", lambda e: _day(e.target_date)),
    ],
    Kind.FOLLOW_UP: [
        ("Date", lambda e: _day(e.target_date)),
        ("Objet", lambda e: e.text),
        ("Qui réévalue", _who),
        ("Réalisée le", lambda e: _day(timezone.localdate(e.done_at)) if e.done_at else ""),
    ],
}
# PPS names two different plans in French health and school settings: spell it out.
SCHOOL_NOTE = (
    "PAP : plan d'accompagnement personnalisé (mis en place par l'école). "
    "PPS : projet personnalisé de scolarisation, décidé par la MDPH — à ne pas confondre "
    "avec le plan personnalisé de santé. AESH : accompagnant d'élève en situation de handicap."
)


def _entry_tables(entries: list[CarePlanEntry]) -> list[EntryTable]:
    tables: dict[str, EntryTable] = {}
    for entry in entries:
        columns = COLUMNS.get(entry.kind)
        if columns is None:
            continue
        table = tables.setdefault(
            entry.kind,
            EntryTable(
                kind=entry.kind,
                headers=[header for header, _value in columns],
                rows=[],
                note=SCHOOL_NOTE if entry.kind == Kind.SCHOOL else "",
            ),
        )
        table.rows.append([value(entry) or "" for _header, value in columns])
    return list(tables.values())


def care_plan_print(plan: CarePlan) -> list[PlanSection]:
    """The plan's sections in order, each with its retained rows as tables (proposals not
    yet decided and rows set aside are not printed)."""
    sections = plan.sections.prefetch_related(
        Prefetch(
            "entries",
            queryset=CarePlanEntry.objects.filter(status=CarePlanEntry.Status.ACCEPTED)
            .select_related("responsible")
            .order_by("position", "pk"),
            to_attr="retained",
        )
    ).order_by("position")
    return [PlanSection(section, _entry_tables(section.retained)) for section in sections]


def _age_words(months: int | None, corrected: bool) -> str:
    if months is None:
        return "non renseigné"
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} an{'s' if years > 1 else ''}")
    if rest or not years:
        parts.append(f"{rest} mois")
    words = " ".join(parts)
    return f"{words} (âge corrigé)" if corrected else words


def report_consultations(report: Report) -> list[Consultation]:
    """The consultations the report draws from (its transcripts'), or the dossier's when it
    has no transcript yet."""
    drawn = Consultation.objects.filter(recordings__transcript__reports=report).distinct()
    return list(drawn if drawn.exists() else report.dossier.consultations.all())


def _signature(obj) -> Signature:
    if obj is None or obj.status != "signed":
        return Signature(signed=False)
    return Signature(
        signed=True,
        signer=display_name(obj.signed_by),
        signed_at=obj.signed_at,
        sha256=obj.signed_sha256,
    )


def print_context(
    report: Report, *, care_plan: CarePlan | None = None, with_transcripts: bool = True
) -> dict:
    """Everything ``documents/report_print.html`` shows, read once."""
    report = Report.objects.select_related("dossier__patient", "signed_by", "corrects").get(
        pk=report.pk
    )
    sections = list(
        report.sections.prefetch_related(
            Prefetch("items", queryset=ReportItem.objects.order_by("position"))
        ).order_by("position")
    )
    plan_sections = care_plan_print(care_plan) if care_plan is not None else []
    team = (
        DossierMember.objects.filter(
            dossier_id=report.dossier_id, role__in=selectors.CARE_TEAM_ROLES
        )
        .select_related("user")
        .order_by("role", "user__last_name", "user__username")
    )
    toc: list[TocEntry] = []
    if care_plan is not None or len(sections) > TOC_MIN_SECTIONS:
        toc += [TocEntry(f"s-{s.pk}", f"{s.position}. {s.title}") for s in sections]
        toc.append(TocEntry("report-signature", "Validation du compte rendu"))
        if care_plan is not None:
            toc.append(TocEntry("care-plan", "Plan personnalisé d'interventions"))
            toc += [TocEntry(f"p-{p.section.pk}", p.section.title, 2) for p in plan_sections]
            toc.append(TocEntry("plan-signature", "Validation du plan", 2))
    timelines = report_timelines(report) if with_transcripts else []
    if timelines and toc:
        toc.append(TocEntry("transcripts", "Annexe : transcriptions"))
    patient = report.dossier.patient
    report_signature = _signature(report)
    plan_signature = _signature(care_plan)
    letterhead = settings.REPORT_LETTERHEAD
    title = f"Compte rendu de bilan {patient.code}"
    if care_plan is not None:
        title += " et plan personnalisé d'interventions"
    protocol_versions = list(report.protocol_versions.select_related("protocol").order_by("pk"))
    return {
        "report": report,
        "patient": patient,
        "age": _age_words(report.child_age_months, report.age_is_corrected),
        "consultations": report_consultations(report),
        "protocol_versions": protocol_versions,
        "team": list(team),
        "sections": sections,
        "care_plan": care_plan,
        "plan_sections": plan_sections,
        "plan_coordinator": display_name(care_plan.coordinator) if care_plan else "",
        "toc": toc,
        "timelines": timelines,
        "report_signature": report_signature,
        "plan_signature": plan_signature,
        "letterhead": letterhead,
        "letterhead_lines": settings.REPORT_LETTERHEAD_LINES,
        "generated_at": timezone.localtime(),
        "meta": {
            "title": f"{title} (version {report.version_number})",
            "author": report_signature.signer or letterhead,
            "description": "Compte rendu de bilan du parcours diagnostique TND"
            + (" et plan personnalisé d'interventions" if care_plan else "")
            + " ("
            + ", ".join(f"{v.protocol.title} v{v.number}" for v in protocol_versions)
            + ")",
            "keywords": ", ".join(
                ["compte rendu", "bilan TND", patient.code]
                + (["plan personnalisé d'interventions"] if care_plan else [])
            ),
            "created": _w3c(report.signed_at or report.created_at),
            "modified": _w3c(timezone.now()),
        },
    }


def _w3c(moment: datetime) -> str:
    """A date as the HTML metadata WeasyPrint copies into the PDF reads it (W3C format)."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


# --- The report page's panel -----------------------------------------------------------------


def report_care_plan(report: Report) -> CarePlan | None:
    return CarePlan.objects.filter(report=report).first()


PANEL_DOCUMENTS = 10


def documents_panel(user: AbstractBaseUser, report: Report) -> dict:
    """The context of ``documents/_panel.html`` for ``report`` (already read
    through ``report_for_user``): the latest documents the user may see."""
    documents = report_documents(user, report)[:PANEL_DOCUMENTS]
    care_team = _is_care_team(user, report)
    return {
        "report": report,
        "documents": documents,
        "documents_active": any(
            d.status in (RenderedDocument.Status.QUEUED, RenderedDocument.Status.RUNNING)
            for d in documents
        ),
        "documents_may_request": care_team,
        "documents_audiences": RenderedDocument.Audience.choices
        if care_team and report.is_signed
        else [],
    }


def report_care_plan_for(user: AbstractBaseUser, report: Report) -> CarePlan | None:
    """The report's care plan if the user may read it (« Télécharger le PDF » prints it)."""
    plan = report_care_plan(report)
    return plan if plan is not None and can(user, "care_plans.view_care_plan", plan) else None
