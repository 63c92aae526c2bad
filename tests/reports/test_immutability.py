"""A signed report cannot change, whatever code path tries: the database refuses (triggers
of migration reports/0006, for SQLite and PostgreSQL). Each attempt runs in its own
savepoint, as a failed statement must on PostgreSQL."""

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from reports.models import (
    Report,
    ReportItem,
    ReportSection,
    ReviewComment,
    SectionVersion,
    Statement,
)
from reports.review.services import content_sha256
from tests.reports.conftest import sign


@pytest.fixture
def signed(drafted_report, alice, charlie) -> Report:
    return sign(drafted_report, clinician=alice, coordinator=charlie)


def refused_by_the_database(write) -> None:
    with pytest.raises(DatabaseError, match="signed report is immutable"), transaction.atomic():
        write()


def test_the_database_refuses_every_change_to_a_signed_report(signed, charlie):
    before = content_sha256(signed)
    section = signed.sections.exclude(body="").first()
    statement = Statement.objects.filter(version__section__report=signed).first()
    item = ReportItem.objects.filter(section__report=signed).first()

    attempts = {
        "report status": lambda: Report.objects.filter(pk=signed.pk).update(status="draft"),
        "report age": lambda: Report.objects.filter(pk=signed.pk).update(child_age_months=30),
        "report save": lambda: signed.save(),
        # Raw: Django's own check (its rendered documents are protected) would stop it first.
        "report delete": lambda: Report.objects.filter(pk=signed.pk)._raw_delete("default"),
        "section body": lambda: ReportSection.objects.filter(pk=section.pk).update(body="Autre."),
        "section added": lambda: ReportSection.objects.create(
            report=signed,
            source_section=section.source_section,
            key="ajout",
            title="Ajout",
            position=99,
        ),
        "item answer": lambda: ReportItem.objects.filter(pk=item.pk).update(answer="non"),
        "statement delete": lambda: Statement.objects.filter(pk=statement.pk).delete(),
        "statement text": lambda: Statement.objects.filter(pk=statement.pk).update(text="Autre."),
        "citations": lambda: statement.citations.clear(),
        "new version": lambda: SectionVersion.objects.create(
            section=section,
            number=99,
            origin=SectionVersion.Origin.CLINICIAN,
            status=SectionVersion.Status.PROPOSED,
            text="Autre.",
        ),
        "review comment": lambda: ReviewComment.objects.create(
            report=signed, author=charlie, text="Trop tard."
        ),
        "sources": lambda: signed.transcripts.clear(),
        "grids": lambda: signed.protocol_versions.clear(),
    }
    for name, write in attempts.items():
        try:
            refused_by_the_database(write)
        except pytest.fail.Exception as exc:
            raise AssertionError(f"{name}: the database let it through") from exc

    signed = Report.objects.get(pk=signed.pk)
    assert signed.status == Report.Status.SIGNED
    assert content_sha256(signed) == before == signed.signed_sha256
    assert statement.citations.exists()


def test_an_unsigned_report_still_changes(drafted_report):
    # The triggers look at the status: drafts are written as usual.
    ReportSection.objects.filter(report=drafted_report).update(body="Texte.")
    Report.objects.filter(pk=drafted_report.pk).update(updated_at=timezone.now())
    assert set(drafted_report.sections.values_list("body", flat=True)) == {"Texte."}
