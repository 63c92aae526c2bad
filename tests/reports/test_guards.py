"""What must hold before the text moves on: reviewer's comments answered, no AI work
running and no proposal undecided, and, to sign, no sentence left « à vérifier ». A refused
transition says why and writes nothing; the page lists the same reasons by the button."""

import html

import pytest
from django.urls import reverse

from drafting import services as drafting
from drafting.models import DraftRun
from reports.models import Report, ReportEvent, SectionVersion, Statement
from reports.review.services import (
    WorkflowError,
    report_transition,
    review_comment_add,
    review_comment_resolve,
)
from tests.reports.conftest import sign


def section_of(report, key="communication"):
    return report.sections.get(key=key)


def accepted(section) -> SectionVersion:
    return section.versions.get(status=SectionVersion.Status.ACCEPTED)


def flag_a_statement(report) -> Statement:
    """Verification doubted one sentence of the accepted text, and nobody has kept it."""
    statement = accepted(section_of(report)).statements.first()
    Statement.objects.filter(pk=statement.pk).update(
        verdict=Statement.Verdict.FLAGGED, confirmed_at=None, confirmed_by=None
    )
    statement.refresh_from_db()
    return statement


def refused(report, name, user, match, **kwargs) -> None:
    status = Report.objects.get(pk=report.pk).status
    events = report.events.count()
    with pytest.raises(WorkflowError, match=match):
        report_transition(report=report, name=name, user=user, **kwargs)
    assert Report.objects.get(pk=report.pk).status == status
    assert report.events.count() == events


# --- Reviewer's comments --------------------------------------------------------------------


def test_open_comments_block_validation_until_resolved(drafted_report, alice, charlie):
    report = drafted_report
    report_transition(report=report, name="submit", user=alice)
    comment = review_comment_add(
        report=report, user=charlie, text="Dater les premiers mots.", section=section_of(report)
    )
    report_transition(report=report, name="request_changes", user=charlie, message="Voir section.")

    refused(report, "validate", alice, r"1 commentaire\(s\) de relecture à traiter")

    review_comment_resolve(comment=comment, user=alice)
    assert report_transition(report=report, name="validate", user=alice).status == "validated"


def test_open_comments_block_resubmission_and_approval(drafted_report, alice, charlie):
    report = drafted_report
    report_transition(report=report, name="submit", user=alice)
    comment = review_comment_add(report=report, user=charlie, text="Conclusion à reprendre.")

    # Approving with a comment still open would leave it open for good.
    refused(report, "approve", charlie, "demandez une correction")

    report_transition(report=report, name="request_changes", user=charlie, message="Voir.")
    refused(report, "submit", alice, "à traiter")
    review_comment_resolve(comment=comment, user=alice)
    report_transition(report=report, name="submit", user=alice)
    assert report_transition(report=report, name="approve", user=charlie).status == "validated"


# --- Flagged statements ---------------------------------------------------------------------


def test_flagged_statement_blocks_the_signature(drafted_report, alice, charlie):
    report = drafted_report
    flag_a_statement(report)
    report_transition(report=report, name="submit", user=alice)
    report_transition(report=report, name="approve", user=charlie)

    refused(report, "sign", alice, r"1 phrase\(s\) « à vérifier »")


@pytest.mark.parametrize("how", ["kept", "edited", "deleted"])
def test_a_flagged_statement_kept_edited_or_deleted_no_longer_blocks(
    drafted_report, alice, charlie, how
):
    report = drafted_report
    statement = flag_a_statement(report)
    if how == "kept":
        drafting.statement_keep(statement=statement, user=alice)
    elif how == "edited":
        version = accepted(section_of(report))
        drafting.section_text_save(
            section=section_of(report),
            text=version.text.replace(statement.text, "Phrase relue et réécrite."),
            user=alice,
            based_on=version.number,
        )
    else:
        drafting.statement_remove(statement=statement, user=alice)

    signed = sign(report, clinician=alice, coordinator=charlie)
    assert signed.status == Report.Status.SIGNED


# --- Work still under way -------------------------------------------------------------------


def test_pending_proposal_blocks_the_signature(drafted_report, alice, charlie):
    report = drafted_report
    report_transition(report=report, name="submit", user=alice)
    report_transition(report=report, name="approve", user=charlie)
    section = section_of(report)
    current = accepted(section)
    # A proposal that arrived late (an AI edit finishing after the approval).
    proposal = SectionVersion.objects.create(
        section=section,
        number=current.number + 1,
        origin=SectionVersion.Origin.REPHRASE,
        status=SectionVersion.Status.PROPOSED,
        based_on=current,
        text="Une autre formulation.",
    )

    refused(report, "sign", alice, r"1 proposition\(s\) attendent une décision")

    SectionVersion.objects.filter(pk=proposal.pk).update(status=SectionVersion.Status.REJECTED)
    assert report_transition(report=report, name="sign", user=alice).is_signed


def test_draft_in_progress_blocks_submission(drafted_report, alice):
    DraftRun.objects.create(report=drafted_report, status=DraftRun.Status.QUEUED)
    refused(drafted_report, "submit", alice, "rédaction du brouillon est en cours")


def test_ai_edit_in_progress_blocks_submission(drafted_report, alice):
    drafting.section_edit_request(
        section=section_of(drafted_report), action="shorten", user=alice, enqueue=False
    )
    refused(drafted_report, "submit", alice, "modification par IA est en cours")


# --- What the page says ---------------------------------------------------------------------


def test_the_page_shows_what_blocks_the_signature_and_disables_the_button(
    client, drafted_report, alice, charlie
):
    report = drafted_report
    flag_a_statement(report)
    report_transition(report=report, name="submit", user=alice)
    report_transition(report=report, name="approve", user=charlie)

    client.force_login(alice)
    page = client.get(reverse("drafting:report_detail", args=[report.pk])).content.decode()
    assert 'id="blockers-sign"' in page
    assert "« Signer » impossible pour l'instant" in html.unescape(page)
    assert "1 phrase(s) « à vérifier »" in page
    assert 'value="sign" disabled aria-describedby="blockers-sign"' in page
    # Reopening is not blocked.
    assert 'value="reopen">' in page


def test_a_refused_transition_is_explained_after_the_post(client, drafted_report, alice):
    DraftRun.objects.create(report=drafted_report, status=DraftRun.Status.RUNNING)
    client.force_login(alice)
    url = reverse("reports:report_transition", args=[drafted_report.pk, "submit"])
    page = client.post(url, follow=True).content.decode()
    assert "Une rédaction du brouillon est en cours." in page
    assert not ReportEvent.objects.filter(report=drafted_report).exists()
