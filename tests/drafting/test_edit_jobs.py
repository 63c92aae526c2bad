"""AI edits run as background jobs: queued with the text they were asked on, run by the task
(called directly here; tests/e2e runs them through a real worker), stored as proposals that
never overwrite what the clinician wrote meanwhile."""

import pytest
from django.urls import reverse

from drafting import services as drafting
from drafting import tasks
from drafting.models import EditJob
from reports.models import SectionVersion
from reports.review.services import report_transition
from tests.drafting.dossiers import consult, drafted
from tests.drafting.transcripts import PARENT_INTERVIEW


@pytest.fixture
def section(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    return drafting_dossier.reports.get().sections.get(key="communication")


def accepted(section) -> SectionVersion:
    return section.versions.get(status=SectionVersion.Status.ACCEPTED)


def test_a_job_records_its_progress_and_ends_with_a_proposal(section, alice):
    job = drafting.section_edit_request(
        section=section, action="shorten", user=alice, enqueue=False
    )
    assert (job.status, job.progress, job.based_on) == ("queued", 0, accepted(section))

    tasks.propose_section_edit.run(job.pk)

    job.refresh_from_db()
    assert job.status == EditJob.Status.DONE
    assert job.progress == 100
    assert job.result.status == SectionVersion.Status.PROPOSED
    assert job.result.based_on == job.based_on
    section.refresh_from_db()
    assert section.body == job.based_on.text  # nothing replaced until accepted


def test_running_a_job_twice_makes_one_proposal(section, alice):
    job = drafting.section_edit_request(
        section=section, action="shorten", user=alice, enqueue=False
    )
    tasks.propose_section_edit.run(job.pk)
    tasks.propose_section_edit.run(job.pk)  # redelivered
    assert section.versions.filter(status=SectionVersion.Status.PROPOSED).count() == 1


def test_text_edited_while_an_ai_edit_runs_is_never_overwritten(section, alice):
    # (Without a model, "régénérer" gives back the drafted text: "réduire" changes it.)
    job = drafting.section_edit_request(
        section=section, action="shorten", user=alice, enqueue=False
    )
    mine = drafting.section_text_save(
        section=section,
        text="Texte écrit par la clinicienne pendant la modification.",
        user=alice,
        based_on=job.based_on.number,
    )

    tasks.propose_section_edit.run(job.pk)

    job.refresh_from_db()
    section.refresh_from_db()
    assert section.body == mine.text
    assert job.result.based_on == job.based_on != mine
    with pytest.raises(drafting.SectionConflict) as conflict:
        drafting.section_version_accept(version=job.result, user=alice)
    assert conflict.value.current == mine
    section.refresh_from_db()
    assert section.body == mine.text


def test_one_job_at_a_time_per_section(section, alice):
    drafting.section_edit_request(section=section, action="shorten", user=alice, enqueue=False)
    with pytest.raises(drafting.DraftingError, match="déjà en cours"):
        drafting.section_edit_request(section=section, action="expand", user=alice, enqueue=False)


def test_a_bad_request_is_refused_before_any_job(section, alice):
    for action, selection, message in [
        ("translate", None, "Action inconnue"),
        ("shorten", [99], "Sélection invalide"),
    ]:
        with pytest.raises(drafting.DraftingError, match=message):
            drafting.section_edit_request(
                section=section, action=action, user=alice, selection=selection, enqueue=False
            )
    assert not EditJob.objects.exists()


def test_a_job_on_a_report_sent_to_review_fails_with_a_reason(section, alice):
    job = drafting.section_edit_request(
        section=section, action="shorten", user=alice, enqueue=False
    )
    job.status = EditJob.Status.DONE  # let the submission through, then requeue
    job.save()
    report_transition(report=section.report, name="submit", user=alice)
    EditJob.objects.filter(pk=job.pk).update(status=EditJob.Status.QUEUED)

    tasks.propose_section_edit.run(job.pk)

    job.refresh_from_db()
    assert job.status == EditJob.Status.FAILED
    assert "en relecture" in job.error_message
    assert not section.versions.filter(status=SectionVersion.Status.PROPOSED).exists()


def test_a_proposal_edited_then_accepted_keeps_both_in_the_history(section, alice, client):
    job = drafting.section_edit_request(
        section=section, action="shorten", user=alice, enqueue=False
    )
    tasks.propose_section_edit.run(job.pk)
    job.refresh_from_db()
    proposal = job.result
    edited = proposal.text + "\n\nPrécision ajoutée par la clinicienne."

    client.force_login(alice)
    response = client.post(
        reverse("drafting:section_version_decide", args=[section.report_id, proposal.pk]),
        {"decision": "accept_edited", "text": edited},
    )

    assert response.status_code == 302
    section.refresh_from_db()
    assert section.body == edited
    current = accepted(section)
    assert current.origin == SectionVersion.Origin.CLINICIAN
    assert current.based_on == proposal
    proposal.refresh_from_db()
    assert proposal.status == SectionVersion.Status.SUPERSEDED  # accepted, then edited
    # Sentences left as proposed keep their sources.
    kept = current.statements.exclude(text__startswith="Précision")
    assert kept.exists() and all(s.citations.exists() for s in kept)


def test_an_edited_proposal_on_older_text_is_a_conflict(section, alice, client):
    job = drafting.section_edit_request(
        section=section, action="shorten", user=alice, enqueue=False
    )
    tasks.propose_section_edit.run(job.pk)
    job.refresh_from_db()
    drafting.section_text_save(section=section, text="Texte plus récent.", user=alice)

    client.force_login(alice)
    response = client.post(
        reverse("drafting:section_version_decide", args=[section.report_id, job.result.pk]),
        {"decision": "accept_edited", "text": "Ma version de la proposition."},
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "Texte plus récent." in page and "Ma version de la proposition." in page
    section.refresh_from_db()
    assert section.body == "Texte plus récent."
