"""A signed report is corrected by a new version that references it; the signed version
stays exactly as signed, and each page links to the other."""

import pytest
from django.urls import reverse

from reports.models import Report, ReportEvent, SectionVersion
from reports.review.services import (
    WorkflowError,
    content_sha256,
    report_correction_start,
    report_transition,
)
from tests.reports.conftest import sign


@pytest.fixture
def signed(drafted_report, alice, charlie) -> Report:
    return sign(drafted_report, clinician=alice, coordinator=charlie)


def snapshot(report: Report) -> dict:
    report = Report.objects.get(pk=report.pk)
    return {
        "row": (report.status, report.signed_sha256, report.signed_at, report.updated_at),
        "sections": list(report.sections.values_list("pk", "title", "body")),
        "items": list(report.sections.values_list("items__pk", "items__answer", "items__note")),
        "versions": list(
            SectionVersion.objects.filter(section__report=report).values_list(
                "pk", "status", "text"
            )
        ),
        "transcripts": list(report.transcripts.values_list("pk", flat=True)),
    }


def test_signing_records_who_when_and_the_content_hash(signed, alice):
    assert signed.signed_by == alice and signed.signed_at is not None
    assert signed.signed_sha256 == content_sha256(signed)
    assert len(signed.signed_sha256) == 64


def test_correction_is_version_2_referencing_version_1_which_stays_untouched(client, signed, alice):
    before = snapshot(signed)
    client.force_login(alice)
    response = client.post(reverse("reports:report_correct", args=[signed.pk]))

    correction = Report.objects.get(corrects=signed)
    assert response.status_code == 302
    assert response["Location"] == reverse("drafting:report_detail", args=[correction.pk])
    assert (correction.version_number, correction.status) == (2, Report.Status.DRAFT)
    assert correction.dossier == signed.dossier
    assert list(correction.sections.values_list("title", "body")) == [
        (title, body) for _pk, title, body in before["sections"]
    ]
    assert set(correction.transcripts.all()) == set(signed.transcripts.all())
    # The accepted texts come with their sentences and sources.
    copied = SectionVersion.objects.filter(
        section__report=correction, status=SectionVersion.Status.ACCEPTED
    )
    assert copied.exists() and all(version.statements.exists() for version in copied)

    assert snapshot(signed) == before
    assert content_sha256(Report.objects.get(pk=signed.pk)) == signed.signed_sha256
    # Both timelines say it.
    assert correction.events.get().kind == ReportEvent.Kind.CORRECTION_STARTED
    assert signed.events.filter(kind=ReportEvent.Kind.CORRECTION_STARTED).exists()


def test_each_version_links_to_the_other(client, signed, alice):
    correction = report_correction_start(report=signed, user=alice)
    client.force_login(alice)
    v2 = client.get(reverse("drafting:report_detail", args=[correction.pk])).content.decode()
    v1 = client.get(reverse("drafting:report_detail", args=[signed.pk])).content.decode()
    assert f'href="{reverse("drafting:report_detail", args=[signed.pk])}"' in v2
    assert "corrige la" in v2 and "version n° 1" in v2
    assert f'href="{reverse("drafting:report_detail", args=[correction.pk])}"' in v1
    assert "correction en cours" in v1
    # Asked once: the button is gone from the signed version.
    assert "Corriger (nouvelle version)" not in v1


def test_the_signed_page_shows_signer_date_and_hash_and_offers_a_correction(
    client, signed, alice, charlie
):
    url = reverse("drafting:report_detail", args=[signed.pk])
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert "Signé par <strong>Alice Clinicienne</strong>" in page
    assert signed.signed_sha256 in page
    assert "contenu identique à la signature" in page
    assert "Corriger (nouvelle version)" in page
    client.force_login(charlie)
    assert "Corriger (nouvelle version)" not in client.get(url).content.decode()


def test_asking_twice_returns_the_same_correction(signed, alice):
    first = report_correction_start(report=signed, user=alice)
    assert report_correction_start(report=signed, user=alice) == first
    assert Report.objects.filter(corrects=signed).count() == 1


def test_a_version_corrected_and_signed_is_corrected_through_the_latest(signed, alice, charlie):
    correction = report_correction_start(report=signed, user=alice)
    sign(correction, clinician=alice, coordinator=charlie)
    with pytest.raises(WorkflowError, match="déjà corrigée par la version 2"):
        report_correction_start(report=signed, user=alice)
    third = report_correction_start(report=correction, user=alice)
    assert (third.version_number, third.corrects) == (3, Report.objects.get(pk=correction.pk))


def test_only_a_clinician_of_the_team_corrects(client, signed, charlie, bob, dora):
    url = reverse("reports:report_correct", args=[signed.pk])
    client.force_login(charlie)
    assert client.post(url).status_code == 403
    client.force_login(bob)
    assert client.post(url).status_code == 404
    client.force_login(dora)
    # The signed report is not shared (no sharing consent): it does not exist for her.
    assert client.post(url).status_code == 404
    assert not Report.objects.filter(corrects=signed).exists()
    with pytest.raises(WorkflowError):
        report_correction_start(report=signed, user=charlie)


def test_an_unsigned_report_is_not_corrected_by_a_new_version(drafted_report, alice):
    with pytest.raises(WorkflowError, match="Seul un compte rendu signé"):
        report_correction_start(report=drafted_report, user=alice)
    report_transition(report=drafted_report, name="submit", user=alice)
    assert not Report.objects.filter(corrects=drafted_report).exists()
