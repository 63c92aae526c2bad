"""The Patient, pseudonymised: the pseudonym code, the sex and the birth month, no name and
no initials."""

from typing import Any

from documents.fhir.common import PATIENT_CODE_SYSTEM
from dossiers.models import Patient

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
