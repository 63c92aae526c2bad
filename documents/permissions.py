"""Who may export a report and its care plan (FHIR): the care team (the export carries
the report and plan, not the transcripts)."""

import rules

from dossiers.permissions import DENIED, is_care_team

rules.add_perm("documents.export_report", is_care_team)

DENIED["documents.export_report"] = (
    "L'export est réservé aux cliniciens et coordinateurs de l'équipe."
)
