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

Layout, one module per part of the bundle:
``common`` (identifier systems, uuid5 fullUrls, references, validation and its error, the
OperationOutcome of the views), ``narrative`` (XHTML narratives), ``patient``,
``practitioner``, ``composition`` (the report), ``care_plan`` (CarePlan and Goals),
``document`` (DocumentReference of the PDF) and ``bundle`` (assembling them).
"""

from documents.fhir.bundle import report_bundle, report_bundle_json
from documents.fhir.care_plan import export_care_plan
from documents.fhir.common import (
    FHIR_MEDIA_TYPE,
    FhirExportError,
    full_url,
    operation_outcome_json,
)
from documents.fhir.document import attachment_hash, document_url, export_document
from documents.fhir.patient import patient_resource
from documents.fhir.practitioner import practitioner_resource

__all__ = [
    "FHIR_MEDIA_TYPE",
    "FhirExportError",
    "attachment_hash",
    "document_url",
    "export_care_plan",
    "export_document",
    "full_url",
    "operation_outcome_json",
    "patient_resource",
    "practitioner_resource",
    "report_bundle",
    "report_bundle_json",
]
