"""The export of a report and care plan made through the real services: started from the
signed report, proposals decided, the clinician's own rows, signed."""

import datetime as dt

from fhir.resources.R4B.bundle import Bundle

from care_plans import services
from care_plans.models import CarePlanEntry
from documents.fhir import report_bundle
from tests.care_plans.support import signed_report

Entry = CarePlanEntry


def test_a_signed_plan_made_through_the_services_exports_what_was_decided(alice, charlie):
    report = signed_report(alice, charlie)
    plan = services.care_plan_start(report=report, user=alice, enqueue=False)
    services.care_plan_draft_execute(care_plan_id=plan.pk, engine="extractive")
    proposed = list(Entry.objects.filter(section__care_plan=plan, status=Entry.Status.PROPOSED))
    kept = [row for row in proposed if row.kind == Entry.Kind.INTERVENTION]
    assert kept, "the report's recommendations propose interventions"
    for row in proposed:
        services.care_plan_entry_decide(entry=row, user=alice, accept=row in kept)
    goal = services.care_plan_entry_add(
        section=plan.sections.get(key="plan-objectifs"),
        user=alice,
        text="Faire des phrases de trois mots",
        domain="communication",
        target_date=dt.date(2027, 6, 30),
    )
    plan = services.care_plan_sign(plan=plan, user=alice)

    bundle = Bundle.model_validate_json(report_bundle(report, care_plan=plan).model_dump_json())
    (care_plan,) = [
        e.resource for e in bundle.entry if e.resource.get_resource_type() == "CarePlan"
    ]
    goals = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Goal"]
    assert care_plan.status == "active"
    assert [g.description.text for g in goals] == [goal.text]
    assert goals[0].lifecycleStatus == "active"
    descriptions = [a.detail.description.splitlines()[0] for a in care_plan.activity]
    assert descriptions == [row.text for row in kept]
    rejected = [row.text for row in proposed if row not in kept]
    assert not set(rejected) & set(descriptions)
