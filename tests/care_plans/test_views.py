"""The care plan pages as the team uses them: the clinician starts the plan from a validated
report, reads the rows proposed from the report with the passage each cites, retains,
changes or sets them aside, adds an intervention, signs once the report is signed; the
coordinator reads it and organises the re-evaluations on the dashboard; an outsider sees
nothing."""

import datetime as dt
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from care_plans import services
from care_plans.models import CarePlan, CarePlanEntry
from care_plans.reminders import follow_up_reminders_send
from dossiers.models import DossierMember
from dossiers.services import dossier_member_add
from reports.review.services import report_transition
from sharing.models import Share
from tests.care_plans.support import validated_report, written_report
from tests.factories import UserFactory
from tests.pathway_urls import pathway_url

Entry = CarePlanEntry
pytestmark = pytest.mark.django_db


@pytest.fixture
def report(alice, charlie):
    return validated_report(alice, charlie)


@pytest.fixture
def plan(report, alice):
    """A plan started by the clinician, its proposals prepared (inline, as the worker
    would) from the report."""
    plan = services.care_plan_start(report=report, user=alice, enqueue=False)
    services.care_plan_draft_execute(care_plan_id=plan.pk, engine="extractive")
    plan.refresh_from_db()
    return plan


def plan_url(plan, name="care_plan_detail", *args):
    return pathway_url(name, args=[plan.pk, *args])


def page_text(response) -> str:
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def proposal(plan, kind):
    return Entry.objects.filter(
        section__care_plan=plan, status=Entry.Status.PROPOSED, kind=kind
    ).first()


def section(plan, key):
    return plan.sections.get(key=key)


# --- Starting the plan ------------------------------------------------------------------------


def test_the_clinician_starts_the_plan_from_the_validated_report_page(client, alice, report):
    client.force_login(alice)
    report_page = client.get(reverse("drafting:report_detail", args=[report.pk]))
    assert "Établir le plan d'interventions" in page_text(report_page)

    response = client.post(reverse("care_plans:care_plan_start", args=[report.pk]))

    plan = CarePlan.objects.get(report=report)
    assert response.status_code == 302
    assert response.url == plan_url(plan)
    # The proposals are prepared by a worker, after the commit.
    assert plan.drafting.status == "queued"
    page = client.get(plan_url(plan))
    assert page.status_code == 200
    titles = re.findall(
        r'<section class="plan-section"[^>]*>\s*<h2>\d+\. ([^<]+)</h2>', page.content.decode()
    )
    assert titles == [
        "Identification du plan et participants",
        "Besoins prioritaires",
        "Objectifs fonctionnels",
        "Interventions",
        "Scolarité",
        "Démarches administratives",
        "Bilans complémentaires à programmer",
        "Suivi et réévaluation",
        "Coordination et partage",
    ]
    text = page_text(page)
    assert "Propositions à partir du compte rendu : en attente" in text
    # Polled while queued.
    assert f'hx-get="{plan_url(plan, "care_plan_draft_status")}"' in page.content.decode()
    # The report page now links to the plan; starting again opens the same plan.
    report_page = client.get(reverse("drafting:report_detail", args=[report.pk]))
    assert plan_url(plan) in report_page.content.decode()
    again = client.post(reverse("care_plans:care_plan_start", args=[report.pk]))
    assert again.url == plan_url(plan) and CarePlan.objects.count() == 1


def test_no_plan_from_a_draft_report(client, alice, charlie):
    report = written_report(alice, charlie)
    client.force_login(alice)
    report_page = client.get(reverse("drafting:report_detail", args=[report.pk]))
    assert "Établir le plan d'interventions" not in page_text(report_page)
    response = client.post(reverse("care_plans:care_plan_start", args=[report.pk]))
    assert response.status_code == 403
    assert not CarePlan.objects.exists()


def test_the_coordinator_does_not_start_the_plan(client, charlie, report):
    client.force_login(charlie)
    report_page = client.get(reverse("drafting:report_detail", args=[report.pk]))
    assert "Établir le plan d'interventions" not in page_text(report_page)
    assert client.post(reverse("care_plans:care_plan_start", args=[report.pk])).status_code == 403


def test_the_drafting_status_is_polled_then_the_page_reloads(client, alice, report):
    client.force_login(alice)
    client.post(reverse("care_plans:care_plan_start", args=[report.pk]))
    plan = CarePlan.objects.get(report=report)
    status_url = plan_url(plan, "care_plan_draft_status")

    waiting = client.get(status_url, headers={"HX-Request": "true"})
    assert "en attente" in page_text(waiting) and "HX-Refresh" not in waiting.headers

    services.care_plan_draft_execute(care_plan_id=plan.pk, engine="extractive")
    done = client.get(status_url, headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"
    assert "propositions prêtes" in page_text(done)


# --- Proposals and the clinician's decisions --------------------------------------------------


def test_proposals_show_the_report_passage_they_come_from(client, alice, plan):
    client.force_login(alice)
    page = client.get(plan_url(plan))
    html, text = page.content.decode(), page_text(page)
    speech = proposal(plan, Entry.Kind.INTERVENTION)
    block = html[html.index(f'id="entry-{speech.pk}"') :]
    block = block[: block.index("</form>")]
    assert "Proposition à relire" in block
    assert "« Nous recommandons une rééducation orthophonique" in block
    # The passage's section, linked to its place on the report page.
    report_url = reverse("drafting:report_detail", args=[plan.report_id])
    anchor = f"{report_url}#section-{speech.source_section_id}"
    assert f'href="{anchor}">Recommandations</a>' in block
    assert "Retenir" in block and "Écarter" in block
    assert "forfait précoce (PCO)" in block and "téléconsultation" in block
    assert (
        f"{Entry.objects.filter(status=Entry.Status.PROPOSED).count()} propositions à relire"
        in text
    )


def test_the_clinician_retains_changes_and_sets_aside_proposals(client, alice, plan):
    client.force_login(alice)
    speech = proposal(plan, Entry.Kind.INTERVENTION)
    need = proposal(plan, Entry.Kind.NEED)
    school = proposal(plan, Entry.Kind.SCHOOL)

    accepted = client.post(
        plan_url(plan, "care_plan_entry_decide", speech.pk), {"decision": "accept"}
    )
    assert accepted.status_code == 302
    edited = client.post(
        plan_url(plan, "care_plan_entry_edit", need.pk),
        {
            f"entry-{need.pk}-priority": "1",
            f"entry-{need.pk}-domain": "communication",
            f"entry-{need.pk}-text": "Langage oral : expression très réduite à la maison.",
        },
    )
    assert edited.status_code == 302
    client.post(plan_url(plan, "care_plan_entry_decide", school.pk), {"decision": "reject"})

    for entry in (speech, need, school):
        entry.refresh_from_db()
    assert (speech.status, need.status, school.status) == (
        Entry.Status.ACCEPTED,
        Entry.Status.ACCEPTED,
        Entry.Status.REJECTED,
    )
    assert need.text == "Langage oral : expression très réduite à la maison."
    assert need.source_quote  # still cites the report

    page = client.get(plan_url(plan))
    html = page.content.decode()
    needs = html[html.index(f'id="plan-section-{need.section_id}"') :]
    needs = needs[: needs.index("</section>")]
    # Retained: a row of the table with its columns' labels; it still says where it came from.
    row = needs[needs.index(f'<tr id="entry-{need.pk}"') :]
    assert "Langage oral : expression très réduite" in row[: row.index("</tr>")]
    assert "communication et langage" in row[: row.index("</tr>")]
    assert "D'après le compte rendu" in needs
    # Set aside: listed apart, collapsed, not among the proposals.
    school_section = html[html.index(f'id="plan-section-{school.section_id}"') :]
    school_section = school_section[: school_section.index("</section>")]
    assert '<details class="plan-rejected">' in school_section
    assert "1 ligne écartée" in page_text(page)
    assert f'<div class="plan-proposal" id="entry-{school.pk}"' not in html


def test_the_school_section_spells_out_pps(client, alice, plan):
    client.force_login(alice)
    text = page_text(client.get(plan_url(plan)))
    assert (
        "PPS : projet personnalisé de scolarisation (MDPH), à ne pas confondre avec le plan "
        "personnalisé de santé (HAS)" in text
    )
    assert "PAP — plan d'accompagnement personnalisé" in text


def test_the_clinician_adds_an_intervention_by_teleconsultation_on_the_early_package(
    client, alice, plan
):
    client.force_login(alice)
    interventions = section(plan, "plan-interventions")
    prefix = f"add-{interventions.pk}"
    response = client.post(
        plan_url(plan, "care_plan_entry_add", interventions.pk),
        {
            f"{prefix}-intervention_type": "psychomotricite",
            f"{prefix}-text": "Psychomotricité : régulation tonique et graphisme.",
            f"{prefix}-professional": "Cabinet de psychomotricité Les Tilleuls",
            f"{prefix}-frequency": "1 séance par semaine",
            f"{prefix}-duration": "6 mois",
            f"{prefix}-place": "teleconsultation",
            f"{prefix}-funding": "forfait_pco",
        },
    )
    entry = Entry.objects.get(professional="Cabinet de psychomotricité Les Tilleuls")
    assert response.status_code == 302 and response.url.endswith(f"#entry-{entry.pk}")
    assert (entry.status, entry.origin) == (Entry.Status.ACCEPTED, Entry.Origin.CLINICIAN)
    html = client.get(plan_url(plan)).content.decode()
    row = html[html.index(f'<tr id="entry-{entry.pk}"') :]
    row = row[: row.index("</tr>")]
    for shown in (
        "psychomotricité",
        "1 séance par semaine",
        "téléconsultation",
        "forfait précoce (PCO)",
    ):
        assert shown in row


def test_a_refused_row_keeps_what_was_typed_and_says_why(client, alice, plan):
    client.force_login(alice)
    follow_ups = section(plan, "plan-suivi")
    prefix = f"add-{follow_ups.pk}"
    response = client.post(
        plan_url(plan, "care_plan_entry_add", follow_ups.pk),
        {f"{prefix}-text": "Bilan orthophonique de contrôle", f"{prefix}-target_date": ""},
    )
    assert response.status_code == 400
    assert "Bilan orthophonique de contrôle" in response.content.decode()
    assert "Ce champ est obligatoire" in page_text(response)
    assert not Entry.objects.filter(text="Bilan orthophonique de contrôle").exists()


def test_the_referent_is_chosen_among_the_care_team(client, alice, charlie, bob, plan):
    client.force_login(alice)
    response = client.post(
        plan_url(plan, "care_plan_identification"),
        {"identification-coordinator": bob.pk, "identification-participants": "mère"},
    )
    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.coordinator == charlie
    client.post(
        plan_url(plan, "care_plan_identification"),
        {"identification-coordinator": alice.pk, "identification-participants": "mère, père"},
    )
    plan.refresh_from_db()
    assert (plan.coordinator, plan.participants) == (alice, "mère, père")


def test_the_section_text_is_saved(client, alice, plan):
    client.force_login(alice)
    coordination = section(plan, "plan-coordination")
    client.post(
        plan_url(plan, "care_plan_section_text", coordination.pk),
        {f"text-{coordination.pk}-body": "Transmission par messagerie sécurisée de santé."},
    )
    coordination.refresh_from_db()
    assert coordination.body == "Transmission par messagerie sécurisée de santé."


# --- Who sees what --------------------------------------------------------------------------


def _post_everything(client, plan):
    entry = Entry.objects.filter(section__care_plan=plan).first()
    interventions = section(plan, "plan-interventions")
    return [
        client.post(plan_url(plan, "care_plan_entry_decide", entry.pk), {"decision": "accept"}),
        client.post(plan_url(plan, "care_plan_entry_edit", entry.pk), {}),
        client.post(plan_url(plan, "care_plan_entry_add", interventions.pk), {}),
        client.post(plan_url(plan, "care_plan_section_text", interventions.pk), {}),
        client.post(plan_url(plan, "care_plan_identification"), {}),
        client.post(plan_url(plan, "care_plan_draft")),
        client.post(plan_url(plan, "care_plan_sign")),
    ]


def test_the_coordinator_reads_the_plan_without_changing_it(client, charlie, plan):
    client.force_login(charlie)
    page = client.get(plan_url(plan))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Proposition à relire" in html  # sees everything…
    assert "Lecture seule" in page_text(page)
    for control in (
        'value="accept"',
        "Modifier puis retenir",
        "Signer le plan</button>",
        "Ajouter",
    ):
        assert control not in html  # …and is offered no change
    assert [r.status_code for r in _post_everything(client, plan)] == [403] * 7
    assert not Entry.objects.filter(status=Entry.Status.ACCEPTED).exists()


def test_an_outsider_gets_404_everywhere(client, bob, plan):
    client.force_login(bob)
    assert client.get(plan_url(plan)).status_code == 404
    assert client.get(plan_url(plan, "care_plan_draft_status")).status_code == 404
    assert [r.status_code for r in _post_everything(client, plan)] == [404] * 7
    assert (
        client.post(reverse("care_plans:care_plan_start", args=[plan.report_id])).status_code == 404
    )


def test_reading_the_plan_is_audited(client, alice, plan):
    client.force_login(alice)
    client.get(plan_url(plan))
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.READ,
        object_type="careplan",
        object_id=str(plan.pk),
        user_id=alice.pk,
    ).exists()


# --- Signature ----------------------------------------------------------------------------------


def _decide_all(plan, user):
    for entry in Entry.objects.filter(section__care_plan=plan, status=Entry.Status.PROPOSED):
        services.care_plan_entry_decide(
            entry=entry,
            user=user,
            accept=entry.kind in (Entry.Kind.INTERVENTION, Entry.Kind.FOLLOW_UP),
        )


def test_signing_is_blocked_with_the_reasons_then_done(client, alice, charlie, plan):
    client.force_login(alice)
    text = page_text(client.get(plan_url(plan)))
    assert "« Signer le plan » impossible pour l'instant" in text
    assert "Le compte rendu doit être signé avant le plan." in text
    assert "à retenir ou écarter" in text

    refused = client.post(plan_url(plan, "care_plan_sign"), follow=True)
    assert "Signature impossible" in page_text(refused)
    plan.refresh_from_db()
    assert plan.status == CarePlan.Status.DRAFT

    report_transition(report=plan.report, name="sign", user=alice)
    _decide_all(plan, alice)
    ready = client.get(plan_url(plan)).content.decode()
    assert "impossible pour l'instant" not in ready
    assert re.search(r"<button type=\"submit\">Signer le plan</button>", ready)

    signed = client.post(plan_url(plan, "care_plan_sign"), follow=True)
    plan.refresh_from_db()
    assert plan.status == CarePlan.Status.SIGNED and plan.signed_by == alice
    text = page_text(signed)
    assert "Signé par Alice Clinicienne" in text and plan.signed_sha256 in text
    html = signed.content.decode()
    assert "Modifier puis retenir" not in html and "Ajouter" not in html
    # The signed plan refuses changes, whoever asks.
    assert [r.status_code for r in _post_everything(client, plan)] == [403] * 7


def test_an_external_member_reads_the_signed_plan_once_shared(client, alice, charlie, plan):
    dave = UserFactory(username="dave", first_name="Dave", last_name="Externe")
    dossier_member_add(dossier=plan.report.dossier, user=dave, role=DossierMember.Role.EXTERNAL)
    client.force_login(dave)
    assert client.get(plan_url(plan)).status_code == 404  # a draft plan of an unsigned report

    report_transition(report=plan.report, name="sign", user=alice)
    _decide_all(plan, alice)
    services.care_plan_sign(plan=plan, user=alice)
    assert client.get(plan_url(plan)).status_code == 404  # signed, not shared with him
    Share.objects.create(report=plan.report, recipient=dave, granted_by=alice)

    page = client.get(plan_url(plan))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Signé par" in page_text(page)
    assert "Propositions à partir du compte rendu" not in html and "écartée" not in html
    assert client.post(plan_url(plan, "care_plan_sign")).status_code == 403
    report_page = client.get(reverse("drafting:report_detail", args=[plan.report_id]))
    assert plan_url(plan) in report_page.content.decode()


# --- Follow-ups -------------------------------------------------------------------------------


def _sign_everything(plan, alice):
    """Report signed, proposals decided, plan signed: its dates are now commitments."""
    report_transition(report=plan.report, name="sign", user=alice)
    _decide_all(plan, alice)
    services.care_plan_sign(plan=plan, user=alice)


def _follow_up(plan, user, day, text):
    return services.care_plan_entry_add(
        section=section(plan, "plan-suivi"),
        user=user,
        text=text,
        professional="Orthophoniste du CAMSP",
        target_date=day,
    )


def test_the_dashboard_lists_overdue_and_upcoming_follow_ups(client, alice, charlie, bob, plan):
    late = _follow_up(plan, alice, dt.date(2027, 2, 20), "Réévaluation du langage oral")
    soon = _follow_up(plan, alice, dt.date(2027, 3, 10), "Point d'étape psychomotricité")
    later = _follow_up(plan, alice, dt.date(2027, 9, 1), "Nouveau bilan global")
    _sign_everything(plan, alice)
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)):
        client.force_login(charlie)  # sessions expire: signed in on the day
        page = client.get(reverse("care_plans:follow_ups"))
        html = unescape(page.content.decode())

        def group(key):
            part = html[html.index(f'id="follow-ups-{key}"') :]
            return part[: part.index("</section>")]

        assert "Réévaluation du langage oral" in group("overdue")
        assert "20/02/2027" in group("overdue")
        assert "Point d'étape psychomotricité" in group("upcoming")
        assert "Nouveau bilan global" in group("later")
        patient = plan.report.dossier.patient
        assert patient.code in group("overdue")
        assert "Orthophoniste du CAMSP" in group("overdue")  # who re-evaluates
        assert "Charlie Coordinateur" in group("overdue")  # the plan's coordinator
        assert plan_url(plan) in group("overdue")

        done = client.post(
            plan_url(plan, "follow_up_done", late.pk), {"next": reverse("care_plans:follow_ups")}
        )
        assert done.status_code == 302 and done.url == reverse("care_plans:follow_ups")
        after = page_text(client.get(reverse("care_plans:follow_ups")))
        assert "Réévaluation du langage oral" not in after
        assert "Point d'étape psychomotricité" in after and "Nouveau bilan global" in after

    late.refresh_from_db()
    assert late.done_at is not None
    assert soon.done_at is None and later.done_at is None
    # An outsider's dashboard is empty, and he cannot mark another team's follow-up.
    client.force_login(bob)
    assert (
        "Point d'étape psychomotricité"
        not in client.get(reverse("care_plans:follow_ups")).content.decode()
    )
    assert client.post(plan_url(plan, "follow_up_done", soon.pk)).status_code == 404


def test_an_overdue_follow_up_is_marked_done_from_the_plan(client, alice, charlie, plan):
    entry = _follow_up(plan, alice, dt.date(2027, 2, 20), "Réévaluation du langage oral")
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)):
        client.force_login(charlie)
        html = client.get(plan_url(plan)).content.decode()
        row = html[html.index(f'<tr id="entry-{entry.pk}"') :]
        row = row[: row.index("</tr>")]
        assert "row-overdue" in row and "en retard" in row
        assert plan_url(plan, "follow_up_done", entry.pk) in row
        done = client.post(plan_url(plan, "follow_up_done", entry.pk), follow=True)
    text = page_text(done)
    assert "Réévaluation marquée comme réalisée." in text
    assert "réalisée le 01/03/2027" in text


def test_follow_up_done_ignores_a_foreign_next_url(client, charlie, alice, plan):
    entry = _follow_up(plan, alice, dt.date(2027, 2, 20), "Réévaluation")
    client.force_login(charlie)
    response = client.post(
        plan_url(plan, "follow_up_done", entry.pk), {"next": "https://ailleurs.example/"}
    )
    assert response.url == plan_url(plan) + f"#entry-{entry.pk}"


def test_the_reminder_email_points_to_the_dashboard_without_naming_the_child(
    client, alice, charlie, plan
):
    charlie.email = "charlie@example.org"
    charlie.save()
    _follow_up(plan, alice, dt.date(2027, 2, 20), "Réévaluation du langage oral")
    _sign_everything(plan, alice)
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)):
        assert follow_up_reminders_send() == 1
        assert follow_up_reminders_send() == 0
    (email,) = mail.outbox
    assert email.to == ["charlie@example.org"]
    patient = plan.report.dossier.patient
    assert patient.code not in email.body and f" {patient.initials}" not in email.body
    assert "langage" not in email.body  # no clinical content either
    link = re.search(r"https?://\S+", email.body).group(0)
    client.force_login(charlie)
    dashboard = client.get(urlsplit(link).path)
    assert dashboard.status_code == 200
    assert "Réévaluation du langage oral" in dashboard.content.decode()
