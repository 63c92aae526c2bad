"""FHIR export fixtures: a signed report with items and text, its care plan (rows the team
kept, and rows it did not), and the team's PDF. Synthetic data only.

Built through the ORM where the services of the care plan and the PDF are not the point:
what is tested here is what the export makes of the rows."""

import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from care_plans.models import CarePlan, CarePlanEntry, CarePlanSection
from documents.models import RenderedDocument
from dossiers import services
from dossiers.models import DossierMember
from reports.models import Report
from reports.review.services import content_sha256
from reports.services import report_draft_ensure
from sharing.models import Share
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.factories import UserFactory
from tests.protocol_files import import_published

# Initials no base64 digest or lowercase uuid of the bundle can spell by chance.
INITIALS = "QZXW"
BIRTH_DATE = datetime.date(2021, 5, 4)
PDF_BYTES = b"%PDF-1.7\n% synthetic test document\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"

Entry = CarePlanEntry


@pytest.fixture
def dora(db):
    """External member of the team (a school doctor)."""
    return UserFactory(username="dora", first_name="Dora", last_name="Médecin-scolaire")


@pytest.fixture
def draft_report(alice, charlie, dora) -> Report:
    """Two sections with text (one with Markdown, and markup that must stay text), one
    with the grid's items answered."""
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials=INITIALS, birth_date=BIRTH_DATE, sex="F", protocols=[protocol], created_by=alice
    )
    services.dossier_member_add(dossier=dossier, user=charlie, role=DossierMember.Role.COORDINATOR)
    services.dossier_member_add(dossier=dossier, user=dora, role=DossierMember.Role.EXTERNAL)
    report = report_draft_ensure(dossier=dossier)
    motif = report.sections.get(key="motif")
    motif.body = (
        "La crèche s'inquiète du **langage** & du jeu.\n\n"
        "- peu de mots\n- joue seul\n\n"
        "<script>alert(1)</script> reste du texte."
    )
    motif.save()
    communication = report.sections.get(key="communication")
    communication.body = "Pointage absent en consultation."
    communication.save()
    communication.items.filter(key="reponse-prenom").update(answer="oui")
    communication.items.filter(key="pointage").update(answer="non")
    return report


@pytest.fixture
def report(draft_report, alice) -> Report:
    """The same, signed by alice."""
    report = draft_report
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.SIGNED,
        signed_by=alice,
        signed_at=timezone.now(),
        signed_sha256=content_sha256(report),
    )
    report.refresh_from_db()
    return report


@pytest.fixture
def care_plan(report, alice, charlie) -> CarePlan:
    plan = CarePlan.objects.create(
        report=report,
        created_by=alice,
        coordinator=charlie,
        participants="pédopsychiatre, orthophoniste, famille",
    )
    source = report.sections.get(key="communication").source_section
    section = CarePlanSection.objects.create(
        care_plan=plan,
        source_section=source,
        key="plan",
        title="Objectifs et interventions",
        position=1,
        body="Priorité à la communication.",
    )

    def row(kind, text, **fields):
        return Entry.objects.create(
            section=section, kind=kind, text=text, created_by=alice, **fields
        )

    row(Entry.Kind.NEED, "Développer la communication non verbale", domain="communication")
    row(
        Entry.Kind.GOAL,
        "Pointer pour demander un objet",
        domain="communication",
        criterion="pointe spontanément 3 fois par jour",
        target_date=datetime.date(2027, 6, 30),
        priority=1,
    )
    row(Entry.Kind.GOAL, "S'endormir seul", domain="comportement")
    row(
        Entry.Kind.INTERVENTION,
        "Rééducation du langage oral",
        domain="communication",
        intervention_type=Entry.InterventionType.SPEECH,
        professional="Cabinet d'orthophonie du centre",
        frequency="1 séance par semaine",
        duration="6 mois",
        place=Entry.Place.OFFICE,
        funding=Entry.Funding.EARLY_PACKAGE,
    )
    row(
        Entry.Kind.INTERVENTION,
        "Guidance parentale",
        intervention_type=Entry.InterventionType.PARENT_TRAINING,
        professional="Psychologue de la PCO",
        frequency="2 séances par mois",
    )
    row(
        Entry.Kind.INTERVENTION,
        "Ergothérapie écartée",
        status=Entry.Status.REJECTED,
        intervention_type=Entry.InterventionType.OCCUPATIONAL,
    )
    row(
        Entry.Kind.INTERVENTION,
        "Psychomotricité proposée, pas encore relue",
        status=Entry.Status.PROPOSED,
        intervention_type=Entry.InterventionType.PSYCHOMOTOR,
    )
    row(Entry.Kind.FOLLOW_UP, "Réévaluation du langage", target_date=datetime.date(2027, 9, 1))
    return plan


@pytest.fixture
def document(report, alice) -> RenderedDocument:
    document = RenderedDocument(
        report=report,
        audience=RenderedDocument.Audience.TEAM,
        status=RenderedDocument.Status.DONE,
        sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        size_bytes=len(PDF_BYTES),
        requested_by=alice,
        finished_at=timezone.now(),
    )
    document.file.save("compte-rendu.pdf", ContentFile(PDF_BYTES), save=False)
    document.save()
    return document


@pytest.fixture
def shared_with_dora(report, alice, dora) -> Share:
    return Share.objects.create(report=report, recipient=dora, granted_by=alice)
