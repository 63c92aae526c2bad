"""The demo's walk through the pathway (``seed_demo``): the drafted report reviewed, signed,
its care plan established and signed, shared with the speech therapist, and a correction
left as a draft for the editor. Transcription and drafting are faked here; `make run` does
them for real."""

import pytest

from care_plans.models import CarePlan, CarePlanEntry
from documents.models import RenderedDocument
from dossiers.permissions import CLINICIANS_GROUP, OPEN_DOSSIER, can
from neddie.demo import demo_accounts_ensure
from neddie.management.commands.seed_demo import Command
from reports.models import Report
from sharing.models import Share
from tests.demo.pathway import demo_dossier_drafted

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_dossier(tmp_path, tone_wav, django_user_model):
    return demo_dossier_drafted(tmp_path / "accounts.json", tone_wav, django_user_model)


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
