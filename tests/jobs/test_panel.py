"""The dossier's work panel: every kind of job in one list, a failed one relaunched from it
by whoever may start that kind of work."""

import pytest
from django.urls import reverse

from drafting.models import DraftRun
from drafting.services import draft_run_request
from neddie import jobs
from neddie.celery import app as celery_app
from reports.services import report_draft_ensure


@pytest.fixture
def failed_run(dossier, alice):
    report = report_draft_ensure(dossier=dossier)
    run = draft_run_request(report=report, user=alice, enqueue=False)
    jobs.job_fail(jobs.job_claim(DraftRun, run.pk), reason="Erreur interne (référence test).")
    return run


def test_the_panel_shows_a_failed_draft_with_its_reason_and_a_relaunch_for_the_clinician(
    client, alice, charlie, dossier, failed_run
):
    client.force_login(alice)
    page = client.get(reverse("work:dossier_jobs", args=[dossier.pk])).content.decode()
    assert "Rédaction du brouillon" in page and "Erreur interne (référence test)." in page
    relaunch = reverse("work:job_relaunch", args=["redaction", failed_run.pk])
    assert relaunch in page

    client.force_login(charlie)  # the coordinator reads it, may not relaunch a draft
    page = client.get(reverse("work:dossier_jobs", args=[dossier.pk])).content.decode()
    assert "Erreur interne (référence test)." in page and relaunch not in page
    assert client.post(relaunch).status_code == 403


def test_relaunching_queues_the_job_again_and_sends_it(
    client, alice, dossier, failed_run, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, args=None, **kw: sent.append(args))
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("work:job_relaunch", args=["redaction", failed_run.pk]))
    assert response.status_code == 302
    failed_run.refresh_from_db()
    assert failed_run.status == "queued" and failed_run.error_message == ""
    assert sent == [[failed_run.pk]]
    # Relaunching what is no longer failed says so, and changes nothing.
    response = client.post(
        reverse("work:job_relaunch", args=["redaction", failed_run.pk]), follow=True
    )
    assert "Seul un traitement en échec peut être relancé." in response.content.decode()


def test_an_outsider_gets_a_404(client, bob, failed_run):
    client.force_login(bob)
    response = client.post(reverse("work:job_relaunch", args=["redaction", failed_run.pk]))
    assert response.status_code == 404
    assert client.post(reverse("work:job_relaunch", args=["inconnu", 1])).status_code == 404


def test_the_report_page_loads_its_own_work_panel(client, alice, charlie, dossier, failed_run):
    client.force_login(alice)
    report = failed_run.report
    page = client.get(reverse("drafting:report_detail", args=[report.pk])).content.decode()
    panel_url = reverse("work:report_jobs", args=[report.pk])
    assert panel_url in page
    panel = client.get(panel_url).content.decode()
    assert "Erreur interne (référence test)." in panel
    assert reverse("work:job_relaunch", args=["redaction", failed_run.pk]) in panel
    assert "hx-trigger" not in panel  # nothing under way: no polling
    client.force_login(charlie)
    assert client.get(panel_url).status_code == 200
