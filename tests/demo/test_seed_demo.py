"""The demo's walk through the pathway (``seed_demo``): the drafted report reviewed, signed,
its care plan established and signed, shared with the speech therapist, and a correction
left as a draft for the editor. Transcription and drafting are faked here; `make run` does
them for real."""

import pytest
from django.core.management import call_command

from protocols.models import Protocol
from reports import services
from reports.care_plan.models import CarePlan, CarePlanEntry
from reports.demo import DEMO_ACCOUNTS, demo_accounts_ensure
from reports.documents.models import RenderedDocument
from reports.management.commands.seed_demo import Command
from reports.models import Consultation, Report
from reports.permissions import CLINICIANS_GROUP, OPEN_DOSSIER, can
from reports.sharing.models import Share
from tests.drafting.dossiers import consult, drafted
from tests.drafting.transcripts import PARENT_INTERVIEW

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_dossier(tmp_path, tone_wav, django_user_model):
    call_command("load_default_protocols", verbosity=0)
    demo_accounts_ensure(tmp_path / "accounts.json")
    users = {u.username: u for u in django_user_model.objects.all()}
    dossier = services.dossier_create(
        initials="LD",
        birth_date=None,
        sex="M",
        protocols=[Protocol.objects.get(slug="bilan-tnd")],
        created_by=users["clinicienne"],
    )
    for username, _first, _last, role, _staff in DEMO_ACCOUNTS:
        if role and role != "clinician":
            services.dossier_member_add(dossier=dossier, user=users[username], role=role)
    consultation = consult(dossier, users["clinicienne"], tone_wav, PARENT_INTERVIEW, day=3)
    Consultation.objects.filter(pk=consultation.pk).update(sharing_consent=True)
    drafted(dossier)
    return dossier, users


def test_the_demo_walks_the_whole_pathway(demo_dossier, django_capture_on_commit_callbacks):
    dossier, users = demo_dossier
    report = dossier.reports.get()
    # As after a commit: the notification is sent, the renderings are queued for a worker.
    with django_capture_on_commit_callbacks(execute=True):
        Command()._demo_signed_pathway(report, users)

    signed, correction = dossier.reports.order_by("created_at")
    assert signed.status == Report.Status.SIGNED
    assert (correction.status, correction.corrects_id) == (Report.Status.DRAFT, signed.pk)
    plan = CarePlan.objects.get(report=signed)
    assert plan.status == CarePlan.Status.SIGNED and plan.coordinator == users["coordinatrice"]
    rows = CarePlanEntry.objects.filter(section__care_plan=plan)
    assert not rows.filter(status=CarePlanEntry.Status.PROPOSED).exists()
    assert rows.filter(kind="intervention", place="teleconsultation").exists()
    assert rows.filter(kind="follow_up", responsible=users["coordinatrice"]).exists()
    share = Share.objects.get(report=signed)
    assert share.recipient == users["orthophoniste"] and share.is_active()
    # The speech therapist is told (by the console backend under `make run`).
    assert share.notified_at is not None
    # The final documents wait for the worker that `make run` starts: at the report's
    # signature, then with the signed plan, each for the team and for the recipients.
    documents = RenderedDocument.objects.filter(report=signed)
    assert sorted((d.audience, d.care_plan_id or 0) for d in documents) == [
        ("recipient", 0),
        ("recipient", plan.pk),
        ("team", 0),
        ("team", plan.pk),
    ]
    assert {d.status for d in documents} == {RenderedDocument.Status.QUEUED}


def test_only_the_demo_clinician_may_open_dossiers(tmp_path, django_user_model):
    demo_accounts_ensure(tmp_path / "accounts.json")
    demo_accounts_ensure(tmp_path / "accounts.json")  # a second `make run`: nothing changes
    users = {u.username: u for u in django_user_model.objects.all()}
    assert [g.name for g in users["clinicienne"].groups.all()] == [CLINICIANS_GROUP]
    may_open = {name for name, user in users.items() if can(user, OPEN_DOSSIER, None)}
    assert may_open == {"clinicienne"}
