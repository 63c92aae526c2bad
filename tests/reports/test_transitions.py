"""Every transition of the table, from every status, for every part a user can play: made
by the role the table names, from its source statuses, and refused otherwise — by the
service (``WorkflowError``) and by the view (404 outside the team or for a report not
shared with an external member, 403 for a member) — with nothing written when refused."""

import pytest
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent
from reports.models import Report, ReportEvent
from reports.review.services import WorkflowError, report_transition
from reports.review.transitions import TRANSITIONS
from sharing.models import Share
from tests.reports.conftest import status_set

PARTS = ["clinician", "coordinator", "external", "outsider"]
STATUSES = Report.Status.values
MESSAGE = "Préciser la conclusion."


def allowed(part: str, status: str, name: str) -> bool:
    transition = TRANSITIONS[name]
    return status in transition.sources and part == transition.role


def written(report: Report) -> tuple[int, int]:
    return (
        ReportEvent.objects.filter(report=report).count(),
        AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION).count(),
    )


def test_the_table_opens_each_transition_to_one_role():
    # What the tests below check against, said plainly.
    assert {name: t.role for name, t in TRANSITIONS.items()} == {
        "submit": "clinician",
        "request_changes": "coordinator",
        "approve": "coordinator",
        "validate": "clinician",
        "reopen": "clinician",
        "sign": "clinician",
    }


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("part", PARTS)
def test_service_makes_a_transition_only_for_its_role_from_its_statuses(
    team, report, alice, part, status
):
    user = team[part]
    status_set(report, status, signer=alice)
    for name, transition in TRANSITIONS.items():
        before = written(report)
        with transaction.atomic():
            if allowed(part, status, name):
                moved = report_transition(report=report, name=name, user=user, message=MESSAGE)
                assert moved.status == transition.target, name
                event = ReportEvent.objects.filter(report=report).latest("pk")
                assert (event.kind, event.actor, event.from_status, event.to_status) == (
                    transition.event,
                    user,
                    status,
                    transition.target,
                )
                assert written(report) == (before[0] + 1, before[1] + 1), name
            else:
                with pytest.raises(WorkflowError):
                    report_transition(report=report, name=name, user=user, message=MESSAGE)
                report.refresh_from_db()
                assert report.status == status, name
                assert written(report) == before, name
            transaction.set_rollback(True)


def _expected_refusal(part: str, status: str) -> int:
    if part == "outsider":
        return 404
    if part == "external" and status != Report.Status.SIGNED:
        return 404  # not shared: the report does not exist for them
    return 403


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("part", PARTS)
def test_view_makes_a_transition_only_for_its_role_from_its_statuses(
    client, team, report, alice, part, status
):
    client.force_login(team[part])
    status_set(report, status, signer=alice)
    if status == Report.Status.SIGNED:
        # Shared with the external member by name: he reads it, and may not move it.
        Share.objects.create(report=report, recipient=team["external"], granted_by=alice)
    for name, transition in TRANSITIONS.items():
        url = reverse("reports:report_transition", args=[report.pk, name])
        before = written(report)
        with transaction.atomic():
            response = client.post(url, {"message": MESSAGE})
            report.refresh_from_db()
            if allowed(part, status, name):
                assert response.status_code == 302, name
                assert response["Location"] == reverse("drafting:report_detail", args=[report.pk])
                assert report.status == transition.target, name
            else:
                assert response.status_code == _expected_refusal(part, status), name
                assert report.status == status, name
                assert written(report) == before, name
            transaction.set_rollback(True)


def test_view_answers_404_for_an_unknown_transition(client, alice, report):
    client.force_login(alice)
    url = reverse("reports:report_transition", args=[report.pk, "publish"])
    assert client.post(url).status_code == 404
    assert (
        client.get(reverse("reports:report_transition", args=[report.pk, "submit"])).status_code
        == 405
    )


def test_asking_for_a_correction_needs_a_message(client, alice, charlie, report):
    report_transition(report=report, name="submit", user=alice)
    with pytest.raises(WorkflowError, match="message est obligatoire"):
        report_transition(report=report, name="request_changes", user=charlie, message="  ")

    client.force_login(charlie)
    url = reverse("reports:report_transition", args=[report.pk, "request_changes"])
    page = client.post(url, {"message": ""}, follow=True).content.decode()
    assert "message est obligatoire" in page
    report.refresh_from_db()
    assert report.status == Report.Status.IN_REVIEW


def test_anonymous_users_are_sent_to_the_login_page(client, report):
    url = reverse("reports:report_transition", args=[report.pk, "submit"])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
