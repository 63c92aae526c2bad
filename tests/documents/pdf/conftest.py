"""PDF fixtures: a dossier with one teleconsultation transcribed (fake transcriber), a
report written through the ORM (its content is not what these tests are about), and a
care plan with a row of every kind. Named users: alice (clinician), charlie (care
coordinator), dave (external member of the team), bob (outsider).

The report is signed the way tests/reports/conftest.py's ``status_set`` does it (straight
to the row, with the real content hash); the plan the same way."""

import datetime

import pytest
from django.utils import timezone

from care_plans.models import CarePlan, CarePlanEntry, CarePlanSection
from dossiers import services
from dossiers.models import Consultation, DossierMember
from reports.models import Report, ReportItem
from reports.review.services import content_sha256
from tests.drafting.dossiers import consult
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import PARENT_INTERVIEW
from tests.factories import UserFactory
from tests.protocol_files import import_published

Entry = CarePlanEntry

SIGNED_AT = datetime.datetime(2026, 11, 20, 14, 35, tzinfo=datetime.UTC)


@pytest.fixture
def dave(db):
    return UserFactory(username="dave", first_name="Dave", last_name="Externe")


@pytest.fixture
def pdf_dossier(alice, charlie, dave):
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM",
        birth_date=datetime.date(2023, 3, 15),
        sex="M",
        protocols=[protocol],
        created_by=alice,
    )
    services.dossier_member_add(dossier=dossier, user=charlie, role=DossierMember.Role.COORDINATOR)
    services.dossier_member_add(dossier=dossier, user=dave, role=DossierMember.Role.EXTERNAL)
    return dossier


@pytest.fixture
def report(pdf_dossier, alice, tone_wav) -> Report:
    consultation = consult(pdf_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    # The legal representative agreed to the report being shared with the care team.
    Consultation.objects.filter(pk=consultation.pk).update(sharing_consent=True)
    report = pdf_dossier.reports.get()
    for section in report.sections.all():
        section.body = f"Texte de la section « {section.title} » rédigé pour le test."
        section.save(update_fields=["body"])
    ReportItem.objects.filter(section__report=report, key="reponse-prenom").update(answer="non")
    ReportItem.objects.filter(section__report=report, key="pointage").update(
        answer="non", note="Prend la main de l'adulte pour demander."
    )
    return report


def sign_report(report: Report, user) -> Report:
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.SIGNED,
        signed_by=user,
        signed_at=SIGNED_AT,
        signed_sha256=content_sha256(report),
    )
    report.refresh_from_db()
    return report


@pytest.fixture
def signed_report(report, alice) -> Report:
    return sign_report(report, alice)


PLAN_SECTIONS = [
    ("plan-besoins", "Besoins prioritaires"),
    ("plan-objectifs", "Objectifs fonctionnels"),
    ("plan-interventions", "Interventions"),
    ("plan-scolarite", "Scolarité"),
    ("plan-demarches", "Démarches administratives"),
    ("plan-bilans", "Bilans complémentaires à programmer"),
    ("plan-suivi", "Suivi et réévaluation"),
]


def make_plan(report: Report, *, clinician, coordinator) -> CarePlan:
    plan = CarePlan.objects.create(
        report=report,
        created_by=clinician,
        coordinator=coordinator,
        participants="mère, pédopsychiatre, orthophoniste",
    )
    source = report.sections.first().source_section
    sections = {
        key: CarePlanSection.objects.create(
            care_plan=plan, source_section=source, key=key, title=title, position=position
        )
        for position, (key, title) in enumerate(PLAN_SECTIONS, start=1)
    }

    def row(key, kind, **fields):
        return CarePlanEntry.objects.create(section=sections[key], kind=kind, **fields)

    row(
        "plan-besoins",
        Entry.Kind.NEED,
        priority=1,
        domain="communication",
        text="Développer la communication fonctionnelle",
    )
    row(
        "plan-objectifs",
        Entry.Kind.GOAL,
        domain="communication",
        text="Pointer pour demander",
        criterion="Pointe spontanément 5 fois par jour",
        target_date=datetime.date(2027, 5, 31),
    )
    row(
        "plan-interventions",
        Entry.Kind.INTERVENTION,
        intervention_type="orthophonie",
        text="Rééducation du langage",
        professional="Cabinet Lilas",
        frequency="2 par semaine",
        duration="6 mois",
        place="cabinet",
        funding="conventionne",
    )
    row(
        "plan-interventions",
        Entry.Kind.INTERVENTION,
        intervention_type="guidance",
        text="Programme PEHP",
        professional="CAMSP Nord",
        frequency="mensuelle",
        duration="1 an",
        place="structure",
        funding="forfait_pco",
    )
    # Neither printed: a proposal not yet decided, a row set aside.
    row(
        "plan-interventions",
        Entry.Kind.INTERVENTION,
        intervention_type="ergotherapie",
        text="Séances proposées non décidées",
        status=Entry.Status.PROPOSED,
    )
    row(
        "plan-interventions",
        Entry.Kind.INTERVENTION,
        intervention_type="psychomotricite",
        text="Séances écartées par la famille",
        status=Entry.Status.REJECTED,
    )
    row("plan-scolarite", Entry.Kind.SCHOOL, school_measure="pps", text="Demande d'AESH à déposer")
    row(
        "plan-demarches",
        Entry.Kind.STEP,
        text="Dossier MDPH (AEEH)",
        professional="assistante sociale",
        target_date=datetime.date(2027, 1, 15),
    )
    row(
        "plan-bilans",
        Entry.Kind.ASSESSMENT,
        text="Bilan ORL",
        professional="CHU",
        target_date=datetime.date(2027, 2, 1),
    )
    row(
        "plan-suivi",
        Entry.Kind.FOLLOW_UP,
        text="Réévaluation du plan",
        responsible=coordinator,
        target_date=datetime.date(2027, 6, 30),
    )
    return plan


def sign_plan(plan: CarePlan, user) -> CarePlan:
    CarePlan.objects.filter(pk=plan.pk).update(
        status=CarePlan.Status.SIGNED,
        signed_by=user,
        signed_at=timezone.now(),
        signed_sha256="c" * 64,
    )
    plan.refresh_from_db()
    return plan


@pytest.fixture
def plan(signed_report, alice, charlie) -> CarePlan:
    return make_plan(signed_report, clinician=alice, coordinator=charlie)


@pytest.fixture
def signed_plan(plan, alice) -> CarePlan:
    return sign_plan(plan, alice)
