"""One dossier with everything a URL of the app can point at, built through the services:
a care team with every role, a consultation recorded and transcribed, a drafted report with
its sections, versions, statements, an AI edit job and a review comment; plus an outsider's
dossier and an admin who belongs to no team.

Named users (tests/conftest.py's, and two more):
- alice: clinician of the dossier; charlie: its care coordinator;
- dave: external member of its team (DossierMember.Role.EXTERNAL);
- bob: clinician of another dossier, an outsider to this one;
- eve: admin (staff and superuser), in no care team.
alice and bob are in the group « Cliniciens », which an admin grants: they may open
dossiers. charlie, dave and eve are not (a superuser is not a clinician by being one).

The report has a care plan (started while it was validated, with a follow-up, then the
report was reopened), a share with the coordinator, and, once signed, a share with dave.
"""

from dataclasses import dataclass, field
from datetime import date

from care_plans import services as care_plans
from documents import rendering
from documents import services as documents
from documents.models import RenderedDocument
from dossiers import services
from dossiers.models import Consultation, Dossier, DossierMember, Recording
from drafting import services as drafting
from drafting.models import EditJob
from reports.models import Report, ReviewComment, SectionVersion, Statement
from reports.review import services as review
from reports.selectors import statements_to_verify
from sharing.models import Share
from sharing.services import report_share
from tests.care_plans.support import CARE_PLAN_SECTIONS_PROTOCOL
from tests.drafting.dossiers import consult, drafted
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import PARENT_INTERVIEW
from tests.factories import UserFactory
from tests.protocol_files import import_published

ROLES = ("alice", "charlie", "dave", "bob", "eve", "anonymous")


@dataclass
class World:
    users: dict
    dossier: Dossier
    report: Report
    consultation: Consultation
    recording: Recording
    objects: dict = field(default_factory=dict)  # URL kwarg name → object id


def build_world(wav) -> World:
    users = {
        "alice": UserFactory(
            username="alice", first_name="Alice", last_name="Clinicienne", clinician=True
        ),
        "charlie": UserFactory(username="charlie", first_name="Charlie", last_name="Coord"),
        "dave": UserFactory(username="dave", first_name="Dave", last_name="Externe"),
        "bob": UserFactory(
            username="bob", first_name="Bob", last_name="Autre-équipe", clinician=True
        ),
        "eve": UserFactory(username="eve", is_staff=True, is_superuser=True),
    }
    alice, charlie = users["alice"], users["charlie"]
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    plan_protocol = import_published(CARE_PLAN_SECTIONS_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM",
        birth_date=None,
        sex="M",
        protocols=[protocol, plan_protocol],
        created_by=alice,
    )
    services.dossier_member_add(dossier=dossier, user=charlie, role=DossierMember.Role.COORDINATOR)
    services.dossier_member_add(
        dossier=dossier, user=users["dave"], role=DossierMember.Role.EXTERNAL
    )
    services.dossier_create(
        initials="ZZ", birth_date=None, sex="F", protocols=[protocol], created_by=users["bob"]
    )
    consultation = consult(dossier, alice, wav, PARENT_INTERVIEW, day=2)
    # The team may share the signed report with its external members.
    Consultation.objects.filter(pk=consultation.pk).update(sharing_consent=True)
    drafted(dossier)
    report = dossier.reports.get()
    section = report.sections.get(key="communication")

    # An AI edit, done, whose proposal is refused: nothing left pending.
    job = drafting.section_edit_request(
        section=section, action="shorten", user=alice, enqueue=False
    )
    drafting.section_edit_execute(job_id=job.pk)
    job.refresh_from_db()
    drafting.section_version_reject(version=job.result, user=alice)

    # A review round: submitted, commented, sent back, the comment treated; then validated
    # and reopened, so the report is a draft again with a comment on record.
    review.report_transition(report=report, name="submit", user=alice)
    comment = review.review_comment_add(
        report=report, section=section, user=charlie, text="Préciser le pointage."
    )
    review.report_transition(
        report=report, name="request_changes", user=charlie, message="Voir le commentaire."
    )
    review.review_comment_resolve(comment=comment, user=alice)
    review.report_transition(report=report, name="validate", user=alice)
    plan = care_plans.care_plan_start(report=report, user=alice, enqueue=False)
    care_plans.care_plan_draft_execute(care_plan_id=plan.pk, engine="extractive")
    follow_up = care_plans.care_plan_entry_add(
        section=plan.sections.get(key="plan-suivi"),
        user=alice,
        text="Réévaluation de la communication",
        target_date=date(2030, 1, 15),
    )
    review.report_transition(report=report, name="reopen", user=alice)
    document = documents.document_request(
        report=report, audience=RenderedDocument.Audience.TEAM, user=alice, enqueue=False
    )
    rendering.document_render_execute(document_id=document.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT

    version = section.versions.get(status=SectionVersion.Status.ACCEPTED)
    recording = consultation.recordings.get()
    objects = {
        "dossier_id": dossier.pk,
        "report_id": report.pk,
        "section_id": section.pk,
        "version_id": version.pk,
        "statement_id": Statement.objects.filter(version=version).first().pk,
        "job_id": EditJob.objects.get(pk=job.pk).pk,
        "comment_id": ReviewComment.objects.get(pk=comment.pk).pk,
        "consultation_id": consultation.pk,
        "recording_id": recording.pk,
        "segment_id": recording.transcript.segments.first().pk,
        "plan_id": plan.pk,
        "plan_section_id": follow_up.section_id,
        "entry_id": follow_up.pk,
        "document_id": document.pk,  # the team's copy, rendered
        # A share with the coordinator, written directly (a draft cannot be shared): the
        # URLs about one share need an id in every status.
        "share_id": Share.objects.create(report=report, recipient=charlie, granted_by=alice).pk,
    }
    return World(users, dossier, report, consultation, recording, objects)


def report_in_review(world: World) -> None:
    review.report_transition(report=world.report, name="submit", user=world.users["alice"])


def report_signed(world: World) -> None:
    """Submitted, approved and signed (flagged sentences kept first, as the clinician must)."""
    alice, charlie = world.users["alice"], world.users["charlie"]
    for statement in statements_to_verify(world.report):
        drafting.statement_keep(statement=statement, user=alice)
    review.report_transition(report=world.report, name="submit", user=alice)
    review.report_transition(report=world.report, name="approve", user=charlie)
    signed = review.report_transition(report=world.report, name="sign", user=alice)
    # The external member reads what is shared with him by name.
    report_share(report=signed, recipient=world.users["dave"], user=alice)


# The report's status in each scenario, and how to get there from the draft.
SCENARIOS = {
    "draft": lambda world: None,
    "in_review": report_in_review,
    "signed": report_signed,
}
