"""The report, its care plan and its PDF as a FHIR bundle, for the information systems of
the care team (hospital record, platform of the coordination, MDPH file).

Built with the models of fhir.resources (``fhir.resources.R4B``: FHIR 4.3.0). Version 8 of
the library ships R5, R4B and STU3 but no 4.0.1 package; R4B changed only the medication
definition, evidence and subscription resources (https://hl7.org/fhir/R4B/r4b-explanation.html,
https://hl7.org/fhir/R4B/diff.html): Patient, Practitioner, Composition, CarePlan, Goal,
DocumentReference, Bundle and the data types used here (Attachment, Narrative, Reference…)
are the same as in R4, so an R4 reader reads this bundle.

What the library checks, and what it does not: every resource is built by validating a
dict against its model, so a missing required element (CarePlan.status, Goal.description…),
a malformed date, an empty string or an unknown element raises, and ``FhirExportError``
says which resource and element. It does not check code bindings (a status outside its
value set passes) nor the narrative's XHTML: the codes here come from fixed tables, and the
narrative is built with ElementTree, which only writes well-formed XML.

The bundle is a FHIR *document* (https://hl7.org/fhir/R4B/documents.html): the report is a
clinical document attested by its signer, and the rules of a document bundle are all met
here (Composition first, identifier with system and value, timestamp, every resource
reachable from the Composition: the plan and the PDF each have their own section).

Pseudonymisation: the Patient carries the pseudonym code, the sex and the birth month, no
name and no initials. The report's text is the clinicians' own and goes as written.
"""

import base64
import hashlib
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.practitioner import Practitioner
from pydantic import ValidationError

from reports import rich_text
from reports.care_plan.models import CarePlan, CarePlanEntry
from reports.documents.models import RenderedDocument
from reports.models import DossierMember, Patient, Report
from reports.services import ServiceError

FHIR_MEDIA_TYPE = "application/fhir+json; fhirVersion=4.3"
XHTML_NS = "http://www.w3.org/1999/xhtml"

# Our own identifier systems and code systems: URNs under neddie's name, stable across
# exports, since no national system covers them.
PATIENT_CODE_SYSTEM = "urn:neddie:patient-code"
REPORT_SYSTEM = "urn:neddie:report"
DOCUMENT_SYSTEM = "urn:neddie:rendered-document"
CARE_PLAN_SYSTEM = "urn:neddie:care-plan"
ENTRY_SYSTEM = "urn:neddie:care-plan-entry"
DOMAIN_SYSTEM = "urn:neddie:domain"
INTERVENTION_SYSTEM = "urn:neddie:intervention-type"

# LOINC 11488-4 "Consult note": the report of a specialist's assessment, written for the
# referring and treating professionals, is what a diagnostic bilan is.
REPORT_TYPE = {
    "coding": [{"system": "http://loinc.org", "code": "11488-4", "display": "Consult note"}],
    "text": "Compte rendu de bilan",
}
# v3 Confidentiality "R" (restricted): a child's neurodevelopmental assessment.
CONFIDENTIALITY = "R"
PSEUDONYMISED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "PSEUDED",
    "display": "pseudonymized",
}
GENDER = {
    Patient.Sex.FEMALE: "female",
    Patient.Sex.MALE: "male",
    Patient.Sex.UNSPECIFIED: "unknown",
}


class FhirExportError(ServiceError):
    """The data cannot make a valid FHIR resource (the message names the element)."""


# --- Identity ----------------------------------------------------------------------------


def _namespace() -> uuid.UUID:
    # One namespace per installation: the same report exported twice gets the same
    # fullUrls (a receiver recognises what it already has), two sites never collide.
    return uuid.uuid5(uuid.NAMESPACE_URL, settings.SITE_URL)


def full_url(kind: str, pk: Any) -> str:
    return f"urn:uuid:{uuid.uuid5(_namespace(), f'{kind}/{pk}')}"


def _ref(url: str, display: str = "") -> dict[str, str]:
    return {"reference": url, **({"display": display} if display else {})}


def _instant(moment) -> str:
    return timezone.localtime(moment).isoformat()


def _validated(model, data: dict[str, Any]):
    """``data`` as an instance of the library's ``model``; its validation errors become one
    ``FhirExportError`` naming the resource and the elements at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])} : {error['msg']}"
            for error in exc.errors()[:3]
        )
        raise FhirExportError(
            f"Export FHIR impossible : {model.get_resource_type()} invalide ({where})."
        ) from exc


# --- Narrative ---------------------------------------------------------------------------


class _XhtmlBuilder(HTMLParser):
    """Rebuilds the sanitised HTML of ``rich_text.render`` (p, ul, ol, li, em, strong, br)
    as ElementTree elements, so that the narrative is XHTML (``<br/>``, no HTML entity)."""

    TAGS = {"p", "ul", "ol", "li", "em", "strong", "br"}

    def __init__(self, parent: ET.Element):
        super().__init__(convert_charrefs=True)
        self.stack = [parent]

    def handle_starttag(self, tag, attrs):
        if tag not in self.TAGS:
            return
        element = ET.SubElement(self.stack[-1], tag)
        start = dict(attrs).get("start")
        if tag == "ol" and start and start.isdigit():
            element.set("start", start)
        if tag != "br":
            self.stack.append(element)

    def handle_endtag(self, tag):
        if tag in self.TAGS and tag != "br" and len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data):
        data = _xml_text(data)
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


# Characters XML 1.0 forbids (control characters pasted from a word processor): ElementTree
# would write them as they are, and the narrative would no longer parse.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _div() -> ET.Element:
    return ET.Element("div", {"xmlns": XHTML_NS})


def _markdown_into(parent: ET.Element, text: str) -> None:
    builder = _XhtmlBuilder(parent)
    builder.feed(str(rich_text.render(text)))
    builder.close()


def _paragraph(parent: ET.Element, text: str) -> None:
    ET.SubElement(parent, "p").text = _xml_text(text)


def _table(parent: ET.Element, headers: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
    table = ET.SubElement(parent, "table")
    head = ET.SubElement(ET.SubElement(table, "thead"), "tr")
    for header in headers:
        ET.SubElement(head, "th").text = _xml_text(header)
    body = ET.SubElement(table, "tbody")
    for row in rows:
        line = ET.SubElement(body, "tr")
        for cell in row:
            ET.SubElement(line, "td").text = _xml_text(cell)


def _narrative(div: ET.Element) -> dict[str, str]:
    if not "".join(div.itertext()).strip():
        # txt-2: a narrative has some text.
        _paragraph(div, "(non renseigné)")
    return {"status": "generated", "div": ET.tostring(div, encoding="unicode")}


# --- Resources ---------------------------------------------------------------------------


def patient_resource(patient: Patient) -> dict[str, Any]:
    """No name, no initials: the pseudonym is the only identifier. The birth date is cut to
    its month: with the month the grids' age in months stays right, while a full birth
    date is, with the sex, enough to pick a child out of a school or a town."""
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "meta": {"security": [PSEUDONYMISED]},
        "identifier": [{"system": PATIENT_CODE_SYSTEM, "value": patient.code}],
        "gender": GENDER.get(patient.sex, "unknown"),
    }
    if patient.birth_date:
        data["birthDate"] = patient.birth_date.strftime("%Y-%m")
    return data


def practitioner_resource(user: AbstractBaseUser) -> dict[str, Any]:
    """The professional's name only (no login, no e-mail)."""
    first = getattr(user, "first_name", "").strip()
    last = getattr(user, "last_name", "").strip()
    name: dict[str, Any] = {"text": " ".join(part for part in (first, last) if part)}
    if last:
        name["family"] = last
    if first:
        name["given"] = [first]
    if not name["text"]:
        name["text"] = user.get_username()
    return {"resourceType": "Practitioner", "name": [name]}


def _section_div(section) -> ET.Element:
    div = _div()
    _markdown_into(div, section.body)
    items = list(section.items.all())
    if items:
        _table(
            div,
            ["Item", "Réponse"],
            [(item.label, item.answer or "non abordé") for item in items],
        )
    return div


def _composition(
    report: Report,
    *,
    patient_url: str,
    authors: list[tuple[str, AbstractBaseUser]],
    signer_url: str | None,
    extra_sections: list[dict[str, Any]],
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Composition",
        "language": "fr-FR",
        "identifier": {"system": REPORT_SYSTEM, "value": str(report.pk)},
        "status": "final" if report.is_signed else "preliminary",
        "type": REPORT_TYPE,
        "subject": _ref(patient_url, report.dossier.patient.code),
        "date": _instant(report.signed_at if report.is_signed else report.updated_at),
        "author": [_ref(url, _display(user)) for url, user in authors],
        "title": "Compte rendu de bilan",
        "confidentiality": CONFIDENTIALITY,
        "section": [
            {"title": section.title, "text": _narrative(_section_div(section))}
            for section in report.sections.prefetch_related("items")
        ]
        + extra_sections,
    }
    if report.is_signed and signer_url:
        data["attester"] = [
            {"mode": "legal", "time": _instant(report.signed_at), "party": _ref(signer_url)}
        ]
    if report.corrects_id:
        # A correction is a new report that replaces the signed one.
        data["relatesTo"] = [
            {
                "code": "replaces",
                "targetIdentifier": {"system": REPORT_SYSTEM, "value": str(report.corrects_id)},
            }
        ]
    dates = sorted(
        {
            t.recording.consultation.date
            for t in report.transcripts.select_related("recording__consultation")
        }
    )
    if dates:
        data["event"] = [{"period": {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}}]
    return data


def _display(user: AbstractBaseUser) -> str:
    return practitioner_resource(user)["name"][0]["text"]


def _entries(plan: CarePlan) -> list[CarePlanEntry]:
    """The rows the team kept (proposals still to read and rows set aside stay home)."""
    return list(
        CarePlanEntry.objects.filter(
            section__care_plan=plan, status=CarePlanEntry.Status.ACCEPTED
        ).select_related("section")
    )


def _lines(*pairs: tuple[str, str]) -> str:
    return "\n".join(f"{label} : {value}" if label else value for label, value in pairs if value)


def _domain_concept(entry: CarePlanEntry) -> dict[str, Any]:
    return {
        "coding": [
            {"system": DOMAIN_SYSTEM, "code": entry.domain, "display": entry.get_domain_display()}
        ],
        "text": entry.get_domain_display(),
    }


def _goal_resource(
    entry: CarePlanEntry, *, patient_url: str, plan_signed: bool, needs: list[CarePlanEntry]
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Goal",
        "identifier": [{"system": ENTRY_SYSTEM, "value": str(entry.pk)}],
        # The goals of a signed plan are those the team works on; before, they are proposals.
        "lifecycleStatus": "active" if plan_signed else "proposed",
        "description": {"text": entry.text},
        "subject": _ref(patient_url),
    }
    if entry.domain:
        data["category"] = [_domain_concept(entry)]
    if entry.criterion or entry.target_date:
        target: dict[str, Any] = {}
        if entry.criterion:
            # gol-1: a target's detail needs its measure.
            target["measure"] = {"text": "Critère d'atteinte"}
            target["detailString"] = entry.criterion
        if entry.target_date:
            target["dueDate"] = entry.target_date.isoformat()
        data["target"] = [target]
    notes = [f"Priorité {entry.priority}"] if entry.priority else []
    # The plan does not link a goal to its needs: the needs of the same domain say why.
    notes += [
        f"Besoin : {need.text}" for need in needs if entry.domain and need.domain == entry.domain
    ]
    if notes:
        data["note"] = [{"text": note} for note in notes]
    return data


def _activity(entry: CarePlanEntry, goal_urls: list[str]) -> dict[str, Any]:
    Kind = CarePlanEntry.Kind
    detail: dict[str, Any] = {"status": "not-started"}
    if entry.kind == Kind.INTERVENTION:
        label = entry.get_intervention_type_display() if entry.intervention_type else "intervention"
        detail["kind"] = "ServiceRequest"
        detail["code"] = {"text": label}
        if entry.intervention_type:
            detail["code"]["coding"] = [
                {"system": INTERVENTION_SYSTEM, "code": entry.intervention_type, "display": label}
            ]
        detail["description"] = _lines(
            ("", entry.text),
            ("Professionnel ou structure", entry.professional),
            ("Fréquence", entry.frequency),
            ("Durée", entry.duration),
            ("Lieu", entry.get_place_display() if entry.place else ""),
            ("Financement", entry.get_funding_display() if entry.funding else ""),
            ("Priorité", str(entry.priority or "")),
        )
        schedule = ", ".join(part for part in (entry.frequency, entry.duration) if part)
        if schedule:
            detail["scheduledString"] = schedule
        if entry.professional:
            detail["performer"] = [{"display": entry.professional}]
        if entry.place:
            detail["location"] = {"display": entry.get_place_display()}
    elif entry.kind == Kind.FOLLOW_UP:
        detail["kind"] = "Appointment"
        detail["code"] = {"text": "réévaluation"}
        detail["status"] = "completed" if entry.done_at else "scheduled"
        detail["description"] = entry.text
        detail["scheduledTiming"] = {"event": [entry.target_date.isoformat()]}
    else:
        label = {
            Kind.SCHOOL: entry.get_school_measure_display()
            if entry.school_measure
            else "mesure scolaire",
            Kind.STEP: "démarche",
            Kind.ASSESSMENT: "bilan à programmer",
        }[entry.kind]
        if entry.kind == Kind.ASSESSMENT:
            detail["kind"] = "ServiceRequest"
        elif entry.kind == Kind.STEP:
            detail["kind"] = "Task"
        detail["code"] = {"text": label}
        detail["description"] = _lines(("", entry.text), ("Responsable", entry.professional))
        if entry.target_date:
            # To be done by this date.
            detail["scheduledPeriod"] = {"end": entry.target_date.isoformat()}
    if goal_urls:
        detail["goal"] = [_ref(url) for url in goal_urls]
    return {"detail": detail}


ACTIVITY_KINDS = (
    CarePlanEntry.Kind.INTERVENTION,
    CarePlanEntry.Kind.SCHOOL,
    CarePlanEntry.Kind.STEP,
    CarePlanEntry.Kind.ASSESSMENT,
    CarePlanEntry.Kind.FOLLOW_UP,
)


def _care_plan_resources(
    plan: CarePlan,
    *,
    patient_url: str,
    composition_url: str,
    practitioner: "_Practitioners",
) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    """The CarePlan, its Goals (url, resource) and the Composition section that shows it."""
    entries = _entries(plan)
    signed = plan.status == CarePlan.Status.SIGNED
    needs = [e for e in entries if e.kind == CarePlanEntry.Kind.NEED]
    goals = [
        (
            full_url("goal", e.pk),
            e,
            _goal_resource(e, patient_url=patient_url, plan_signed=signed, needs=needs),
        )
        for e in entries
        if e.kind == CarePlanEntry.Kind.GOAL
    ]

    def goals_of(entry: CarePlanEntry) -> list[str]:
        # Activities serve the goals of their domain (the plan links them no closer).
        return [url for url, goal, _ in goals if entry.domain and goal.domain == entry.domain]

    activities = [_activity(e, goals_of(e)) for e in entries if e.kind in ACTIVITY_KINDS]
    author = plan.signed_by if signed and plan.signed_by else plan.created_by
    notes = [
        f"{section.title} :\n\n{section.body}"
        for section in plan.sections.all()
        if section.body.strip()
    ]
    notes += [
        f"Besoin ({e.get_domain_display()}) : {e.text}" if e.domain else f"Besoin : {e.text}"
        for e in needs
    ]
    start = timezone.localdate(plan.signed_at if signed and plan.signed_at else plan.created_at)
    dates = [e.target_date for e in entries if e.target_date and e.target_date >= start]
    data: dict[str, Any] = {
        "resourceType": "CarePlan",
        "identifier": [{"system": CARE_PLAN_SYSTEM, "value": str(plan.pk)}],
        "status": "active" if signed else "draft",
        "intent": "plan",
        "title": "Plan personnalisé d'interventions",
        "subject": _ref(patient_url),
        "period": {
            "start": start.isoformat(),
            **({"end": max(dates).isoformat()} if dates else {}),
        },
        "created": _instant(plan.created_at),
        "author": _ref(practitioner.url(author), _display(author)),
        "supportingInfo": [_ref(composition_url, "Compte rendu de bilan")],
    }
    if plan.participants:
        data["description"] = f"Plan élaboré avec : {plan.participants}"
    if plan.coordinator:
        data["contributor"] = [_ref(practitioner.url(plan.coordinator), _display(plan.coordinator))]
    if goals:
        data["goal"] = [_ref(url) for url, _, _ in goals]
    if activities:
        data["activity"] = activities
    if notes:
        data["note"] = [{"text": note} for note in notes]

    div = _div()
    if goals:
        _table(
            div,
            ["Objectif", "Domaine", "Critère d'atteinte", "Échéance"],
            [
                (
                    e.text,
                    e.get_domain_display() if e.domain else "",
                    e.criterion,
                    e.target_date.strftime("%d/%m/%Y") if e.target_date else "",
                )
                for _, e, _ in goals
            ],
        )
    rows = [e for e in entries if e.kind in ACTIVITY_KINDS]
    if rows:
        _table(
            div,
            ["Action", "Détail", "Qui", "Quand"],
            [
                (
                    e.get_kind_display(),
                    e.text,
                    e.professional,
                    ", ".join(
                        part
                        for part in (
                            e.frequency,
                            e.duration,
                            e.target_date.strftime("%d/%m/%Y") if e.target_date else "",
                        )
                        if part
                    ),
                )
                for e in rows
            ],
        )
    section = {
        "title": "Plan personnalisé d'interventions",
        "text": _narrative(div),
        "entry": [_ref(full_url("careplan", plan.pk))] + [_ref(url) for url, _, _ in goals],
    }
    return data, [(url, resource) for url, _, resource in goals], section


def attachment_hash(document: RenderedDocument) -> tuple[str, int]:
    """The base64 SHA-1 of the stored file (FHIR's Attachment.hash is SHA-1) and its size.
    Refused if the file no longer matches the SHA-256 recorded when it was rendered: what
    is announced must be the file that was signed off."""
    sha1, sha256, size = hashlib.sha1(), hashlib.sha256(), 0  # noqa: S324 (FHIR says SHA-1)
    with document.file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            sha1.update(chunk)
            sha256.update(chunk)
            size += len(chunk)
    if document.sha256 and sha256.hexdigest() != document.sha256:
        raise FhirExportError(
            "Export FHIR impossible : le fichier PDF ne correspond plus à son empreinte."
        )
    return base64.b64encode(sha1.digest()).decode("ascii"), size


def document_url(document: RenderedDocument) -> str:
    """Where the care team downloads the PDF (absolute: Attachment.url is a URL)."""
    return settings.SITE_URL + reverse(
        "reports:document_download", kwargs={"document_id": document.pk}
    )


def _document_reference(
    document: RenderedDocument,
    report: Report,
    *,
    patient_url: str,
    composition_url: str,
    authors: list[tuple[str, AbstractBaseUser]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    sha1, size = attachment_hash(document)
    when = document.finished_at or document.created_at
    data = {
        "resourceType": "DocumentReference",
        "identifier": [{"system": DOCUMENT_SYSTEM, "value": str(document.pk)}],
        "status": "current",
        "docStatus": "final" if report.is_signed else "preliminary",
        "type": REPORT_TYPE,
        "subject": _ref(patient_url),
        "date": _instant(when),
        "author": [_ref(url, _display(user)) for url, user in authors],
        "description": "Compte rendu de bilan (PDF)",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "language": "fr-FR",
                    "url": document_url(document),
                    "size": size,
                    "hash": sha1,
                    "title": f"Compte rendu de bilan {report.dossier.patient.code}",
                    "creation": _instant(when),
                }
            }
        ],
        "context": {"related": [_ref(composition_url, "Compte rendu de bilan")]},
    }
    div = _div()
    _paragraph(
        div,
        f"Version PDF du compte rendu, exemplaire {document.get_audience_display()} : "
        f"{size} octets, SHA-256 {document.sha256 or 'non enregistrée'}.",
    )
    section = {
        "title": "Document PDF",
        "text": _narrative(div),
        "entry": [_ref(full_url("document", document.pk))],
    }
    return data, section


class _Practitioners:
    """Each professional once in the bundle, however many times referenced."""

    def __init__(self):
        self.users: dict[Any, AbstractBaseUser] = {}

    def url(self, user: AbstractBaseUser) -> str:
        self.users.setdefault(user.pk, user)
        return full_url("practitioner", user.pk)


def report_bundle(
    report: Report,
    *,
    care_plan: CarePlan | None = None,
    document: RenderedDocument | None = None,
) -> Bundle:
    """The report as a FHIR document bundle (Composition, Patient, Practitioners), with the
    care plan (CarePlan, Goals: accepted rows only) and the PDF (DocumentReference) when
    given. Every resource is validated by the library's models; ``FhirExportError`` if one
    is invalid. Same data, same fullUrls and identifier: only the timestamp moves."""
    patient = report.dossier.patient
    patient_url = full_url("patient", patient.pk)
    composition_url = full_url("report", report.pk)
    practitioners = _Practitioners()
    if report.is_signed and report.signed_by:
        author_users = [report.signed_by]
    else:
        author_users = [
            member.user
            for member in report.dossier.members.filter(role=DossierMember.Role.CLINICIAN)
            .select_related("user")
            .order_by("pk")
        ] or [report.dossier.created_by]
    authors = [(practitioners.url(user), user) for user in author_users]
    signer_url = practitioners.url(report.signed_by) if report.signed_by else None

    extra_sections: list[dict[str, Any]] = []
    later: list[tuple[str, Any, dict[str, Any]]] = []
    if care_plan is not None:
        plan, goals, section = _care_plan_resources(
            care_plan,
            patient_url=patient_url,
            composition_url=composition_url,
            practitioner=practitioners,
        )
        extra_sections.append(section)
        later.append((full_url("careplan", care_plan.pk), FhirCarePlan, plan))
        later += [(url, Goal, goal) for url, goal in goals]
    if document is not None:
        reference, section = _document_reference(
            document,
            report,
            patient_url=patient_url,
            composition_url=composition_url,
            authors=authors,
        )
        extra_sections.append(section)
        later.append((full_url("document", document.pk), DocumentReference, reference))

    entries = [
        (
            composition_url,
            _validated(
                Composition,
                _composition(
                    report,
                    patient_url=patient_url,
                    authors=authors,
                    signer_url=signer_url,
                    extra_sections=extra_sections,
                ),
            ),
        ),
        (patient_url, _validated(FhirPatient, patient_resource(patient))),
    ]
    entries += [
        (full_url("practitioner", pk), _validated(Practitioner, practitioner_resource(user)))
        for pk, user in practitioners.users.items()
    ]
    entries += [(url, _validated(model, data)) for url, model, data in later]

    # The document's identifier follows its content: the same content exported twice is
    # the same document, any change makes another one.
    content = json.dumps(
        [[url, resource.model_dump(mode="json")] for url, resource in entries], sort_keys=True
    )
    identifier = uuid.uuid5(_namespace(), hashlib.sha256(content.encode()).hexdigest())
    return _validated(
        Bundle,
        {
            "resourceType": "Bundle",
            "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{identifier}"},
            "type": "document",
            "timestamp": _instant(timezone.now()),
            "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
        },
    )


def export_document(report: Report) -> RenderedDocument | None:
    """The PDF the bundle points to: the latest rendered copy for the care team."""
    return (
        report.documents.filter(
            status=RenderedDocument.Status.DONE, audience=RenderedDocument.Audience.TEAM
        )
        .exclude(file="")
        .order_by("-created_at", "-pk")
        .first()
    )


def export_care_plan(report: Report) -> CarePlan | None:
    try:
        return report.care_plan
    except CarePlan.DoesNotExist:
        return None


def report_bundle_json(report: Report) -> str:
    """The bundle the views serve: the report with its plan and its team PDF, if any."""
    return report_bundle(
        report, care_plan=export_care_plan(report), document=export_document(report)
    ).model_dump_json(indent=2)


def operation_outcome_json(code: str, message: str) -> str:
    """A FHIR error body (``code`` from the IssueType value set: login, forbidden…)."""
    return OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": message}],
        }
    ).model_dump_json()
