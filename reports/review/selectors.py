"""Reads of the review workflow: what a user may do next on a report, its comments and its
timeline."""

from django.contrib.auth.models import AbstractBaseUser

from reports.models import Report
from reports.permissions import can
from reports.review.models import ReviewComment
from reports.review.transitions import transitions_from


def report_review_context(user: AbstractBaseUser, report: Report) -> dict:
    """Everything the report page shows about the review, for ``user``."""
    from reports.review.services import flagged_statements
    from reports.selectors import report_sharing_refusal

    comments = list(
        ReviewComment.objects.filter(report=report).select_related(
            "author", "resolved_by", "section"
        )
    )
    return {
        "transitions": [
            t
            for t in transitions_from(report.status)
            if can(user, f"reports.{t.name}_report", report)
        ],
        "can_comment": can(user, "reports.comment_report", report),
        "can_resolve": can(user, "reports.resolve_comment", report),
        "can_correct": can(user, "reports.correct_report", report)
        and not Report.objects.filter(corrects=report).exists(),
        "comments": comments,
        "open_comments": [c for c in comments if c.is_open],
        "events": list(report.events.select_related("actor")),
        "flagged_count": flagged_statements(report).count(),
        "sharing_refusal": report_sharing_refusal(report) if report.is_signed else None,
        "correction": Report.objects.filter(corrects=report).first(),
    }
