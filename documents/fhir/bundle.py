"""The document bundle: assembles the Composition, Patient, Practitioners and, when given,
the care plan and the PDF; validates each resource and gives the bundle its identifier."""

import hashlib
import json
import uuid
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.practitioner import Practitioner

from care_plans.models import CarePlan
from documents.fhir.care_plan import care_plan_resources, export_care_plan
from documents.fhir.common import full_url, instant, namespace, validated
from documents.fhir.composition import composition_resource
from documents.fhir.document import document_reference_resource, export_document
from documents.fhir.patient import patient_resource
from documents.fhir.practitioner import Practitioners, practitioner_resource
from documents.models import RenderedDocument
from dossiers.models import DossierMember
from reports.models import Report


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
    practitioners = Practitioners()
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
        plan, goals, section = care_plan_resources(
            care_plan,
            patient_url=patient_url,
            composition_url=composition_url,
            practitioner=practitioners,
        )
        extra_sections.append(section)
        later.append((full_url("careplan", care_plan.pk), FhirCarePlan, plan))
        later += [(url, Goal, goal) for url, goal in goals]
    if document is not None:
        reference, section = document_reference_resource(
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
            validated(
                Composition,
                composition_resource(
                    report,
                    patient_url=patient_url,
                    authors=authors,
                    signer_url=signer_url,
                    extra_sections=extra_sections,
                ),
            ),
        ),
        (patient_url, validated(FhirPatient, patient_resource(patient))),
    ]
    entries += [
        (full_url("practitioner", pk), validated(Practitioner, practitioner_resource(user)))
        for pk, user in practitioners.users.items()
    ]
    entries += [(url, validated(model, data)) for url, model, data in later]

    # The document's identifier follows its content: the same content exported twice is
    # the same document, any change makes another one.
    content = json.dumps(
        [[url, resource.model_dump(mode="json")] for url, resource in entries], sort_keys=True
    )
    identifier = uuid.uuid5(namespace(), hashlib.sha256(content.encode()).hexdigest())
    return validated(
        Bundle,
        {
            "resourceType": "Bundle",
            "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{identifier}"},
            "type": "document",
            "timestamp": instant(timezone.now()),
            "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
        },
    )


def report_bundle_json(report: Report) -> str:
    """The bundle the views serve: the report with its plan and its team PDF, if any."""
    return report_bundle(
        report, care_plan=export_care_plan(report), document=export_document(report)
    ).model_dump_json(indent=2)
