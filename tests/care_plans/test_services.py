"""Care plans through their services: started from a validated report, laid out by the
protocol's care-plan sections, proposals citing the report, the clinician's decisions,
signature, follow-ups and the coordinator's reminder emails."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from audit.models import AuditEvent
from care_plans import services
from care_plans.models import CarePlan, CarePlanEntry
from care_plans.reminders import follow_up_reminders_send
from care_plans.selectors import care_plan_layout, follow_ups_for_user
from dossiers.services import ServiceError
from reports.models import Report
from reports.review.services import report_transition
from tests.care_plans.support import signed_report, validated_report, written_report

Entry = CarePlanEntry
pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(alice, charlie):
    report = validated_report(alice, charlie)
    plan = services.care_plan_start(report=report, user=alice, enqueue=False)
    services.care_plan_draft_execute(care_plan_id=plan.pk, engine="extractive")
    plan.refresh_from_db()
    return plan


def proposals(plan, kind=None):
    rows = Entry.objects.filter(section__care_plan=plan, status=Entry.Status.PROPOSED)
    return list(rows.filter(kind=kind) if kind else rows)


def test_a_plan_starts_only_from_a_validated_report(alice, charlie):
    report = written_report(alice, charlie)
    with pytest.raises(ServiceError, match="compte rendu validé"):
        services.care_plan_start(report=report, user=alice, enqueue=False)
    assert not CarePlan.objects.exists()


def test_only_the_clinician_starts_the_plan(alice, charlie):
    report = validated_report(alice, charlie)
    with pytest.raises(ServiceError):
        services.care_plan_start(report=report, user=charlie, enqueue=False)


def test_the_plan_follows_the_protocol_care_plan_sections_with_the_coordinator(plan, charlie):
    assert [s.key for s in plan.sections.all()] == [
        "plan-identification",
        "plan-besoins",
        "plan-objectifs",
        "plan-interventions",
        "plan-scolarite",
        "plan-demarches",
        "plan-bilans",
        "plan-suivi",
        "plan-coordination",
    ]
    assert plan.coordinator == charlie
    # The report itself keeps only its report sections.
    assert [s.key for s in plan.report.sections.all()] == ["motif", "synthese", "recommandations"]


def test_starting_twice_gives_the_same_plan(plan, alice):
    assert services.care_plan_start(report=plan.report, user=alice, enqueue=False) == plan


def test_proposals_cite_the_report_sentence_they_come_from(plan):
    assert plan.drafting.status == "done"
    rows = proposals(plan)
    assert rows and all(r.origin == Entry.Origin.ENGINE for r in rows)
    for row in rows:
        assert row.source_quote and row.source_quote in _report_plain(plan.report)
        assert row.source_section.report_id == plan.report_id
    speech = proposals(plan, Entry.Kind.INTERVENTION)[0]
    assert speech.section.key == "plan-interventions"
    assert speech.source_section.key == "recommandations"
    assert speech.intervention_type == Entry.InterventionType.SPEECH
    assert speech.place == Entry.Place.TELECONSULTATION
    assert speech.funding == Entry.Funding.EARLY_PACKAGE
    needs = proposals(plan, Entry.Kind.NEED)
    assert [n.source_section.key for n in needs] == ["synthese", "synthese"]
    assert [n.priority for n in needs] == [1, 2]


def _report_plain(report):
    from neddie.rich_text import sentences

    return " ".join(s.plain for section in report.sections.all() for s in sentences(section.body))


def test_the_follow_up_sentence_becomes_a_dated_re_evaluation(plan):
    (follow_up,) = proposals(plan, Entry.Kind.FOLLOW_UP)
    assert follow_up.section.key == "plan-suivi"
    approved = plan.report.updated_at.date()
    assert (follow_up.target_date - approved).days in range(180, 186)


def test_decisions_keep_the_citation_and_nothing_waits_after_them(plan, alice):
    speech, *_others = proposals(plan, Entry.Kind.INTERVENTION)
    services.care_plan_entry_decide(entry=speech, user=alice, accept=True)
    need = proposals(plan, Entry.Kind.NEED)[0]
    edited = services.care_plan_entry_update(
        entry=need, user=alice, text="Langage oral : expression très réduite."
    )
    assert edited.status == Entry.Status.ACCEPTED
    assert edited.source_quote  # still shows where it came from
    for row in proposals(plan):
        services.care_plan_entry_decide(entry=row, user=alice, accept=False)
    layout = {s.section.key: s for s in care_plan_layout(plan)}
    assert [r.pk for r in layout["plan-interventions"].rows] == [speech.pk]
    assert layout["plan-besoins"].rows[0].text == "Langage oral : expression très réduite."
    assert all(not s.proposals for s in layout.values())
    actions = AuditEvent.objects.filter(object_type="careplanentry").values_list(
        "detail", flat=True
    )
    assert "proposition retenue" in actions and "proposition écartée" in actions


def test_a_new_proposal_run_replaces_only_the_undecided(plan, alice):
    kept = proposals(plan, Entry.Kind.INTERVENTION)[0]
    services.care_plan_entry_decide(entry=kept, user=alice, accept=True)
    before = len(proposals(plan))
    services.care_plan_draft_request(plan=plan, user=alice, enqueue=False)
    services.care_plan_draft_execute(care_plan_id=plan.pk, engine="extractive")
    kept.refresh_from_db()
    assert kept.status == Entry.Status.ACCEPTED
    # The rest is proposed again, once; what was decided is not asked again.
    assert len(proposals(plan)) == before
    assert not Entry.objects.filter(
        status=Entry.Status.PROPOSED, kind=kept.kind, source_quote=kept.source_quote
    ).exists()


def test_the_clinician_adds_rows_with_the_fields_of_their_section(plan, alice):
    interventions = plan.sections.get(key="plan-interventions")
    row = services.care_plan_entry_add(
        section=interventions,
        user=alice,
        intervention_type=Entry.InterventionType.PSYCHOMOTOR,
        text="Psychomotricité : régulation tonique et graphisme.",
        professional="Cabinet de psychomotricité du quartier",
        frequency="1 séance par semaine",
        duration="6 mois",
        place=Entry.Place.OFFICE,
        funding=Entry.Funding.EARLY_PACKAGE,
    )
    assert (row.kind, row.status, row.origin) == (
        Entry.Kind.INTERVENTION,
        Entry.Status.ACCEPTED,
        Entry.Origin.CLINICIAN,
    )
    with pytest.raises(ServiceError, match="date"):
        services.care_plan_entry_add(
            section=plan.sections.get(key="plan-suivi"), user=alice, text="Réévaluation"
        )
    with pytest.raises(ServiceError, match="texte libre"):
        services.care_plan_entry_add(
            section=plan.sections.get(key="plan-coordination"), user=alice, text="x"
        )


def test_the_coordinator_cannot_change_the_plan(plan, charlie):
    with pytest.raises(ServiceError):
        services.care_plan_entry_decide(entry=proposals(plan)[0], user=charlie, accept=True)


def test_signing_waits_for_the_signed_report_and_every_decision(plan, alice, charlie):
    with pytest.raises(ServiceError) as refused:
        services.care_plan_sign(plan=plan, user=alice)
    assert "Le compte rendu doit être signé" in refused.value.message
    assert "à retenir ou écarter" in refused.value.message
    report_transition(report=plan.report, name="sign", user=alice)
    for row in proposals(plan):
        services.care_plan_entry_decide(
            entry=row,
            user=alice,
            accept=row.kind in (Entry.Kind.INTERVENTION, Entry.Kind.FOLLOW_UP),
        )
    signed = services.care_plan_sign(plan=plan, user=alice)
    assert signed.status == CarePlan.Status.SIGNED
    assert signed.signed_by == alice and len(signed.signed_sha256) == 64
    assert signed.signed_sha256 == services.plan_sha256(signed)
    with pytest.raises(ServiceError, match="signé"):
        services.care_plan_entry_add(
            section=plan.sections.get(key="plan-besoins"), user=alice, text="Ajout tardif"
        )


def test_a_plan_without_intervention_or_referent_is_not_signed(alice, charlie):
    report = signed_report(alice, charlie)
    plan = services.care_plan_start(report=report, user=alice, enqueue=False)
    services.care_plan_identification_set(plan=plan, user=alice, coordinator=None, participants="")
    with pytest.raises(ServiceError) as refused:
        services.care_plan_sign(plan=plan, user=alice)
    assert "référent" in refused.value.message
    assert "aucune intervention" in refused.value.message
    assert plan.report.status == Report.Status.SIGNED


def test_the_referent_must_belong_to_the_care_team(plan, alice, bob):
    with pytest.raises(ServiceError, match="équipe"):
        services.care_plan_identification_set(
            plan=plan, user=alice, coordinator=bob, participants=""
        )


def signed_plan_following_up(alice, charlie, *days):
    """A signed plan (report signed, proposals decided) with a re-evaluation on each day."""
    plan = services.care_plan_start(report=signed_report(alice, charlie), user=alice, enqueue=False)
    services.care_plan_draft_execute(care_plan_id=plan.pk, engine="extractive")
    for row in proposals(plan):
        services.care_plan_entry_decide(
            entry=row, user=alice, accept=row.kind != Entry.Kind.FOLLOW_UP
        )
    rows = [
        services.care_plan_entry_add(
            section=plan.sections.get(key="plan-suivi"),
            user=alice,
            text="Réévaluation orthophonique",
            professional="Orthophoniste",
            target_date=day,
        )
        for day in days
    ]
    services.care_plan_sign(plan=plan, user=alice)
    return rows


def test_the_dashboard_sorts_follow_ups_of_signed_plans_by_due_date(plan, alice, charlie, bob):
    today = dt.date(2027, 3, 1)
    # A plan still drafted commits to nothing yet.
    services.care_plan_entry_add(
        section=plan.sections.get(key="plan-suivi"),
        user=alice,
        text="Réévaluation envisagée",
        target_date=dt.date(2027, 2, 1),
    )
    late, soon, later = signed_plan_following_up(
        alice, charlie, dt.date(2027, 2, 20), dt.date(2027, 3, 10), dt.date(2027, 9, 1)
    )
    board = follow_ups_for_user(charlie, today=today)
    assert (board.overdue, board.upcoming, board.later) == ([late], [soon], [later])
    assert follow_ups_for_user(bob, today=today).overdue == []
    services.follow_up_done(entry=late, user=charlie)
    assert follow_ups_for_user(charlie, today=today).overdue == []


def test_the_coordinator_is_reminded_once_without_patient_details(alice, charlie):
    charlie.email = "charlie@example.org"
    charlie.save()
    # Soon, overdue, and too far ahead to remind.
    rows = signed_plan_following_up(
        alice, charlie, dt.date(2027, 3, 10), dt.date(2027, 2, 1), dt.date(2027, 12, 1)
    )
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)):
        assert follow_up_reminders_send() == 1
        assert follow_up_reminders_send() == 0
    (email,) = mail.outbox
    assert email.to == ["charlie@example.org"]
    assert "1 réévaluation(s) en retard" in email.body
    assert "1 réévaluation(s) prévue(s)" in email.body
    assert "/suivis/" in email.body
    patient = rows[0].section.care_plan.report.dossier.patient
    assert patient.code not in email.body and patient.initials not in email.body
