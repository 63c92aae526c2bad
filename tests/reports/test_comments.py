"""Reviewer's comments on a section or the whole report, marked treated by the clinician,
and the timeline every step writes (with its audit event, in the same transaction)."""

import html
import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from reports.models import Report, ReportEvent, ReviewComment
from reports.review.services import (
    WorkflowError,
    report_transition,
    review_comment_add,
    review_comment_resolve,
)

Kind = ReportEvent.Kind


def page_of(client, user, report) -> str:
    client.force_login(user)
    response = client.get(reverse("drafting:report_detail", args=[report.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def words(markup: str) -> str:
    """What a person reads: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def section_block(page: str, section) -> str:
    """The HTML of one section of the report page, up to the next section."""
    start = page.index(f'id="section-{section.pk}"')
    end = page.find('<section class="report-section"', start)
    return page[start : end if end > 0 else len(page)]


@pytest.fixture
def in_review(drafted_report, alice):
    return report_transition(report=drafted_report, name="submit", user=alice)


def test_coordinator_comments_a_section_and_the_clinician_marks_it_treated(
    client, in_review, alice, charlie
):
    report = in_review
    section = report.sections.get(key="communication")
    client.force_login(charlie)
    response = client.post(
        reverse("reports:comment_add", args=[report.pk]),
        {"section": section.pk, "text": "Préciser à quel âge il a cessé de parler."},
    )
    comment = ReviewComment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert (comment.section, comment.author, comment.is_open) == (section, charlie, True)

    # Shown inside its section, with the count of comments to treat.
    page = page_of(client, charlie, report)
    assert f'id="comment-{comment.pk}"' in section_block(page, section)
    assert '<dd id="open-comments-count">1</dd>' in page
    assert "Marquer comme traité" not in page  # the coordinator does not treat comments

    report_transition(report=report, name="request_changes", user=charlie, message="Voir.")
    page = page_of(client, alice, report)
    assert "Marquer comme traité" in section_block(page, section)
    assert "Correction demandée" in page and "Voir." in page

    client.force_login(alice)
    response = client.post(reverse("reports:comment_resolve", args=[report.pk, comment.pk]))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert not comment.is_open and comment.resolved_by == alice
    page = page_of(client, alice, report)
    assert "traité" in section_block(page, section)
    assert '<dd id="open-comments-count">0</dd>' in page


def test_comment_on_the_whole_report(client, in_review, charlie):
    client.force_login(charlie)
    client.post(
        reverse("reports:comment_add", args=[in_review.pk]), {"text": "Relire l'orthographe."}
    )
    comment = ReviewComment.objects.get()
    assert comment.section is None
    page = page_of(client, charlie, in_review)
    panel = page[page.index('id="review"') : page.index('id="timeline"')]
    assert f'id="comment-{comment.pk}"' in panel


def test_who_may_comment_and_resolve(client, in_review, alice, charlie, dora, bob):
    report = in_review
    add = reverse("reports:comment_add", args=[report.pk])
    section = report.sections.first()
    client.force_login(alice)
    assert client.post(add, {"text": "Note."}).status_code == 403  # the clinician writes
    client.force_login(bob)
    assert client.post(add, {"text": "Note."}).status_code == 404
    client.force_login(dora)
    assert client.post(add, {"text": "Note."}).status_code == 404  # not shared with her
    assert not ReviewComment.objects.exists()

    comment = review_comment_add(report=report, user=charlie, text="À revoir.", section=section)
    resolve = reverse("reports:comment_resolve", args=[report.pk, comment.pk])
    client.force_login(alice)
    assert client.post(resolve).status_code == 403  # in review: nothing is editable
    client.force_login(charlie)
    assert client.post(resolve).status_code == 403
    client.force_login(bob)
    assert client.post(resolve).status_code == 404
    comment.refresh_from_db()
    assert comment.is_open


def test_comments_only_during_the_review(drafted_report, charlie):
    with pytest.raises(WorkflowError, match="pendant la relecture"):
        review_comment_add(report=drafted_report, user=charlie, text="Trop tôt.")


def test_a_section_of_another_report_is_unknown(client, in_review, report, charlie):
    other_section = report.sections.first()  # another dossier's report
    client.force_login(charlie)
    response = client.post(
        reverse("reports:comment_add", args=[in_review.pk]),
        {"section": other_section.pk, "text": "Note."},
    )
    assert response.status_code == 404
    with pytest.raises(WorkflowError, match="Section inconnue"):
        review_comment_add(report=in_review, user=charlie, text="Note.", section=other_section)
    assert not ReviewComment.objects.exists()


def test_empty_comment_is_refused_with_a_message(client, in_review, charlie):
    client.force_login(charlie)
    page = client.post(
        reverse("reports:comment_add", args=[in_review.pk]), {"text": "   "}, follow=True
    ).content.decode()
    assert "Le commentaire est vide." in page
    assert not ReviewComment.objects.exists()


def test_every_step_is_on_the_timeline_and_in_the_audit_log(client, drafted_report, alice, charlie):
    report = drafted_report
    report_transition(report=report, name="submit", user=alice, message="Prêt pour relecture.")
    comment = review_comment_add(
        report=report,
        user=charlie,
        text="Dater les premiers mots.",
        section=report.sections.get(key="communication"),
    )
    report_transition(report=report, name="request_changes", user=charlie, message="Voir.")
    review_comment_resolve(comment=comment, user=alice)
    report_transition(report=report, name="submit", user=alice)
    report_transition(report=report, name="approve", user=charlie)
    report_transition(report=report, name="sign", user=alice)

    events = list(report.events.values_list("kind", "actor__username", "from_status", "to_status"))
    assert events == [
        (Kind.SUBMITTED, "alice", "draft", "in_review"),
        (Kind.COMMENTED, "charlie", "in_review", "in_review"),
        (Kind.CHANGES_REQUESTED, "charlie", "in_review", "changes_requested"),
        (Kind.COMMENT_RESOLVED, "alice", "changes_requested", "changes_requested"),
        (Kind.SUBMITTED, "alice", "changes_requested", "in_review"),
        (Kind.APPROVED, "charlie", "in_review", "validated"),
        (Kind.SIGNED, "alice", "validated", "signed"),
    ]
    messages = list(report.events.values_list("message", flat=True))
    assert messages[0] == "Prêt pour relecture."
    assert messages[1] == "Communication sociale : Dater les premiers mots."
    assert messages[2] == "Voir."

    transitions = AuditEvent.objects.filter(
        action=AuditEvent.Action.TRANSITION, object_type="report", object_id=str(report.pk)
    )
    assert transitions.count() == 5
    assert transitions.filter(detail__startswith="validated → signed (SHA-256 ").exists()
    assert AuditEvent.objects.filter(object_type="reviewcomment", action="create").count() == 1
    assert AuditEvent.objects.filter(object_type="reviewcomment", action="update").count() == 1

    page = page_of(client, charlie, Report.objects.get(pk=report.pk))
    timeline = words(page[page.index('id="timeline"') :])
    assert "Historique (7 événements)" in timeline
    assert "Correction demandée — Charlie Coordinateur" in timeline
    assert "(en relecture → à corriger)" in timeline
    assert "Signé — Alice Clinicienne" in timeline
