"""What every resource of the export shares: our identifier systems, the fullUrls (uuid5),
references and instants, the validation by the library's models and its error, and the
FHIR error body the views send."""

import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone
from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import ValidationError

from dossiers.services import ServiceError

FHIR_MEDIA_TYPE = "application/fhir+json; fhirVersion=4.3"

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


class FhirExportError(ServiceError):
    """The data cannot make a valid FHIR resource (the message names the element)."""


# --- Identity ----------------------------------------------------------------------------


def namespace() -> uuid.UUID:
    # One namespace per installation: the same report exported twice gets the same
    # fullUrls (a receiver recognises what it already has), two sites never collide.
    return uuid.uuid5(uuid.NAMESPACE_URL, settings.SITE_URL)


def full_url(kind: str, pk: Any) -> str:
    return f"urn:uuid:{uuid.uuid5(namespace(), f'{kind}/{pk}')}"


def ref(url: str, display: str = "") -> dict[str, str]:
    return {"reference": url, **({"display": display} if display else {})}


def instant(moment) -> str:
    return timezone.localtime(moment).isoformat()


# --- Validation --------------------------------------------------------------------------


def validated(model, data: dict[str, Any]):
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


def operation_outcome_json(code: str, message: str) -> str:
    """A FHIR error body (``code`` from the IssueType value set: login, forbidden…)."""
    return OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": message}],
        }
    ).model_dump_json()
