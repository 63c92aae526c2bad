"""Which rows each care-plan section of a protocol holds. The default protocol's care-plan
sections (protocols/defaults/bilan-tnd.yaml, documented in docs/protocol-format.md) have
these keys; a section with another key holds free text only."""

from care_plans.models import CarePlanEntry

Kind = CarePlanEntry.Kind

ENTRY_KIND_BY_SECTION = {
    "plan-besoins": Kind.NEED,
    "plan-objectifs": Kind.GOAL,
    "plan-interventions": Kind.INTERVENTION,
    "plan-scolarite": Kind.SCHOOL,
    "plan-demarches": Kind.STEP,
    "plan-bilans": Kind.ASSESSMENT,
    "plan-suivi": Kind.FOLLOW_UP,
}
SECTION_BY_ENTRY_KIND = {kind: key for key, kind in ENTRY_KIND_BY_SECTION.items()}

# The fields a row of each kind shows and asks for, in table order (``text`` always).
FIELDS_BY_KIND = {
    Kind.NEED: ("priority", "domain", "text"),
    Kind.GOAL: ("domain", "text", "criterion", "target_date"),
    Kind.INTERVENTION: (
        "intervention_type",
        "text",
        "professional",
        "frequency",
        "duration",
        "place",
        "funding",
    ),
    Kind.SCHOOL: ("school_measure", "text"),
    Kind.STEP: ("text", "professional", "target_date"),
    Kind.ASSESSMENT: ("text", "professional", "target_date"),
    Kind.FOLLOW_UP: ("target_date", "text", "professional", "responsible"),
}


def entry_kind(section_key: str) -> str | None:
    return ENTRY_KIND_BY_SECTION.get(section_key)
