"""A signed care plan cannot change, whatever code path tries: the database refuses
(triggers of migration reports/0008, SQLite and PostgreSQL). Its follow-up (a
re-evaluation done, a reminder sent) still goes on."""

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from care_plans import services
from care_plans.models import CarePlan, CarePlanEntry, CarePlanSection
from tests.care_plans.support import signed_report

Entry = CarePlanEntry
pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_plan(alice, charlie):
    plan = services.care_plan_start(report=signed_report(alice, charlie), user=alice, enqueue=False)
    services.care_plan_entry_add(
        section=plan.sections.get(key="plan-interventions"),
        user=alice,
        intervention_type=Entry.InterventionType.SPEECH,
        text="Orthophonie",
    )
    services.care_plan_entry_add(
        section=plan.sections.get(key="plan-suivi"),
        user=alice,
        text="Réévaluation",
        target_date=timezone.localdate(),
    )
    plan.drafting_jobs.all().delete()  # no proposals asked: nothing blocks the signature
    return services.care_plan_sign(plan=plan, user=alice)


def refused(write) -> None:
    with pytest.raises(DatabaseError, match="signed care plan is immutable"), transaction.atomic():
        write()


def test_the_database_refuses_changes_to_a_signed_plan(signed_plan):
    section = signed_plan.sections.get(key="plan-interventions")
    row = section.entries.get()
    attempts = {
        "plan status": lambda: CarePlan.objects.filter(pk=signed_plan.pk).update(status="draft"),
        "plan participants": lambda: CarePlan.objects.filter(pk=signed_plan.pk).update(
            participants="Autre"
        ),
        # Raw: Django's own checks (protected rendered documents) would stop it first.
        "plan delete": lambda: CarePlan.objects.filter(pk=signed_plan.pk)._raw_delete("default"),
        "section text": lambda: CarePlanSection.objects.filter(pk=section.pk).update(body="Autre"),
        "section added": lambda: CarePlanSection.objects.create(
            care_plan=signed_plan,
            source_section=section.source_section,
            key="ajout",
            title="Ajout",
            position=99,
        ),
        "row text": lambda: Entry.objects.filter(pk=row.pk).update(text="Autre"),
        "row saved whole": lambda: row.save(),
        "row added": lambda: Entry.objects.create(
            section=section, kind=Entry.Kind.INTERVENTION, text="Ajout"
        ),
        "row delete": lambda: Entry.objects.filter(pk=row.pk).delete(),
    }
    for name, write in attempts.items():
        try:
            refused(write)
        except pytest.fail.Exception:
            pytest.fail(f"the database accepted: {name}")
    row.refresh_from_db()
    assert row.text == "Orthophonie"
    assert services.plan_sha256(signed_plan) == signed_plan.signed_sha256


def test_follow_up_goes_on_after_signature(signed_plan, charlie):
    follow_up = Entry.objects.get(section__care_plan=signed_plan, kind=Entry.Kind.FOLLOW_UP)
    done = services.follow_up_done(entry=follow_up, user=charlie)
    assert done.done_at is not None
    Entry.objects.filter(pk=follow_up.pk).update(reminded_at=timezone.now())
