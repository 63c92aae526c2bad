"""The care plan in a real browser: the clinician opens the signed report, establishes the
plan, a real Celery worker proposes rows from the report, the clinician retains one, sets
the others aside, adds an intervention and a re-evaluation, confirms the référent and signs;
the coordinator then finds the re-evaluation on the follow-up dashboard and marks it done."""

import datetime as dt

import pytest
from django.utils import timezone

from care_plans.models import CarePlan, CarePlanEntry
from tests.care_plans.support import signed_report
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e
Entry = CarePlanEntry


def _submit(page, button) -> None:
    """Click a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


@pytest.mark.django_db(transaction=True)
def test_the_clinician_establishes_and_signs_the_plan_then_the_coordinator_follows_up(
    page, second_page, live_server, alice, charlie, worker
):
    report = signed_report(alice, charlie)
    log_in(page, live_server, "alice", PASSWORD)
    page.goto(f"{live_server.url}/comptes-rendus/{report.pk}/")

    # Established from the signed report; the worker proposes rows (the page polls, then
    # reloads itself when they are ready).
    _submit(page, page.get_by_role("button", name="Établir le plan d'interventions"))
    plan = CarePlan.objects.get(report=report)
    assert page.url.endswith(f"/plans/{plan.pk}/")
    page.locator(".plan-proposal").first.wait_for(timeout=90_000)
    assert "propositions prêtes" in page.locator("#drafting").inner_text()

    interventions = plan.sections.get(key="plan-interventions")
    block = f"#plan-section-{interventions.pk}"
    proposal = page.locator(f"{block} .plan-proposal").first
    assert "Nous recommandons une rééducation orthophonique" in proposal.inner_text()
    _submit(page, proposal.get_by_role("button", name="Retenir", exact=True))
    assert "orthophonie" in page.locator(f"{block} table.plan-rows").inner_text()

    # The other proposals are set aside, one by one.
    while page.locator(".plan-proposal").count():
        _submit(page, page.locator(".plan-proposal").first.get_by_role("button", name="Écarter"))
    assert page.locator("details.plan-rejected").count() >= 1

    # An intervention of the clinician's own: psychomotricity by teleconsultation, on the
    # early intervention package.
    section = page.locator(block)
    section.locator("details.entry-add summary").click()
    form = section.locator("form.entry-add-form")
    form.get_by_label("Type d'intervention").select_option(label="psychomotricité")
    form.get_by_label("Description").fill("Psychomotricité : régulation tonique et graphisme.")
    form.get_by_label("Professionnel ou structure").fill("Cabinet Les Tilleuls")
    form.get_by_label("Fréquence").fill("1 séance par semaine")
    form.get_by_label("Lieu").select_option(label="téléconsultation")
    form.get_by_label("Financement").select_option(label="forfait précoce (PCO)")
    _submit(page, form.get_by_role("button", name="Ajouter"))
    table = page.locator(f"{block} table.plan-rows").inner_text()
    assert "Cabinet Les Tilleuls" in table and "forfait précoce (PCO)" in table

    # A re-evaluation in five days, by the clinician.
    due = timezone.localdate() + dt.timedelta(days=5)
    follow_ups = page.locator(f"#plan-section-{plan.sections.get(key='plan-suivi').pk}")
    follow_ups.locator("details.entry-add summary").click()
    form = follow_ups.locator("form.entry-add-form")
    form.get_by_label("Date de réévaluation").fill(due.isoformat())
    form.get_by_label("Ce qui est réévalué").fill("Réévaluation de la communication")
    form.get_by_label("Membre de l'équipe responsable").select_option(label="Alice Clinicienne")
    _submit(page, form.get_by_role("button", name="Ajouter"))

    # The référent and who built the plan with the family.
    page.locator("details.plan-identification-edit summary").click()
    identification = page.locator("form.identification-form")
    identification.get_by_label("Référent ou coordinateur de parcours").select_option(
        label="Charlie Coordinateur"
    )
    identification.get_by_label("Participants à l'élaboration").fill("mère, père, pédopsychiatre")
    _submit(page, identification.get_by_role("button", name="Enregistrer"))
    assert page.locator(".plan-coordinator").inner_text() == "Charlie Coordinateur"
    assert page.locator(".plan-participants").inner_text() == "mère, père, pédopsychiatre"

    # Nothing blocks the signature any more.
    assert page.locator("#plan-blockers").count() == 0
    _submit(page, page.get_by_role("button", name="Signer le plan"))
    assert "Signé par Alice Clinicienne" in page.locator("#plan-signature").inner_text()
    plan.refresh_from_db()
    assert plan.status == CarePlan.Status.SIGNED
    assert page.locator("details.entry-add").count() == 0  # read-only now

    # The coordinator finds the re-evaluation among those coming up, and marks it done.
    log_in(second_page, live_server, "charlie", PASSWORD)
    second_page.get_by_role("link", name="Suivis").click()
    upcoming = second_page.locator("#follow-ups-upcoming")
    row = upcoming.locator("tr.follow-up", has_text="Réévaluation de la communication")
    row.wait_for()
    assert due.strftime("%d/%m/%Y") in row.inner_text()
    assert "Alice Clinicienne" in row.inner_text()  # who re-evaluates
    _submit(second_page, row.get_by_role("button", name="Réalisée"))
    assert (
        second_page.locator("tr.follow-up", has_text="Réévaluation de la communication").count()
        == 0
    )
    entry = Entry.objects.get(text="Réévaluation de la communication")
    assert entry.done_at is not None
