"""The care plan: a CarePlan with its activities, a Goal per goal row (accepted rows only),
and the Composition section that shows them."""

from typing import Any

from django.utils import timezone

from care_plans.models import CarePlan, CarePlanEntry
from documents.fhir.common import (
    CARE_PLAN_SYSTEM,
    DOMAIN_SYSTEM,
    ENTRY_SYSTEM,
    INTERVENTION_SYSTEM,
    full_url,
    instant,
    ref,
)
from documents.fhir.narrative import narrative, table, xhtml_div
from documents.fhir.practitioner import Practitioners, display_name
from reports.models import Report


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
        "subject": ref(patient_url),
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
        detail["goal"] = [ref(url) for url in goal_urls]
    return {"detail": detail}


ACTIVITY_KINDS = (
    CarePlanEntry.Kind.INTERVENTION,
    CarePlanEntry.Kind.SCHOOL,
    CarePlanEntry.Kind.STEP,
    CarePlanEntry.Kind.ASSESSMENT,
    CarePlanEntry.Kind.FOLLOW_UP,
)


def care_plan_resources(
    plan: CarePlan,
    *,
    patient_url: str,
    composition_url: str,
    practitioner: Practitioners,
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
        "subject": ref(patient_url),
        "period": {
            "start": start.isoformat(),
            **({"end": max(dates).isoformat()} if dates else {}),
        },
        "created": instant(plan.created_at),
        "author": ref(practitioner.url(author), display_name(author)),
        "supportingInfo": [ref(composition_url, "Compte rendu de bilan")],
    }
    if plan.participants:
        data["description"] = f"Plan élaboré avec : {plan.participants}"
    if plan.coordinator:
        data["contributor"] = [
            ref(practitioner.url(plan.coordinator), display_name(plan.coordinator))
        ]
    if goals:
        data["goal"] = [ref(url) for url, _, _ in goals]
    if activities:
        data["activity"] = activities
    if notes:
        data["note"] = [{"text": note} for note in notes]

    div = xhtml_div()
    if goals:
        table(
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
        table(
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
        "text": narrative(div),
        "entry": [ref(full_url("careplan", plan.pk))] + [ref(url) for url, _, _ in goals],
    }
    return data, [(url, resource) for url, _, resource in goals], section


def export_care_plan(report: Report) -> CarePlan | None:
    try:
        return report.care_plan
    except CarePlan.DoesNotExist:
        return None
