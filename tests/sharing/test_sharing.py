"""Sharing signed documents: with the care team and with external professionals invited by
email. Who may share and revoke, what the recipient sees and for how long, the emails (with
a link, without any patient information), and the audit trail of shares, revocations and
downloads."""

import datetime
import html
import re
import smtplib

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from dossiers.models import DossierMember
from dossiers.services import ServiceError
from reports.models import Report
from sharing import services
from sharing.emails import INVITATION_SUBJECT, SHARE_SUBJECT
from sharing.models import Share
from tests.documents.pdf.door import FAKE_PDF, WorkerOnlyRenderer, pdf_through_the_door


def text(response) -> str:
    return html.unescape(response.content.decode())


def shares_url(report) -> str:
    return reverse("sharing:report_shares", args=[report.pk])


def detail_url(report) -> str:
    return reverse("drafting:report_detail", args=[report.pk])


def share_post(client, report, recipient, **fields):
    return client.post(shares_url(report), {"recipient": recipient.pk, **fields})


def assert_no_patient_information(body: str, report: Report) -> None:
    patient = report.dossier.patient
    assert patient.initials not in body
    assert patient.code not in body
    for section_body in report.sections.exclude(body="").values_list("body", flat=True):
        assert section_body.split("\n")[0][:40] not in body


# --- Sharing with the care team -------------------------------------------------------------


def test_sharing_with_the_coordinator_emails_a_link_and_no_patient_information(
    client, signed, alice, charlie, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = share_post(client, signed, charlie, message="Voir la conclusion pour LM.")
    assert response.status_code == 302
    share = Share.objects.get(report=signed, recipient=charlie)
    # The care team's access has no end unless the clinician sets one.
    assert share.expires_at is None and share.granted_by == alice
    assert share.notified_at is not None

    [email] = mail.outbox
    assert email.to == ["charlie@example.org"]
    assert email.subject == SHARE_SUBJECT == "neddie — un document vous a été partagé"
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    assert settings.SITE_URL + reverse("sharing:shared_with_me") in email.body
    assert "Alice Clinicienne" in email.body
    assert "tant que le partage n'est pas révoqué" in email.body
    # Email is not a secure channel: not even the clinician's message goes in it.
    assert_no_patient_information(email.body, signed)
    assert "Voir la conclusion" not in email.body

    event = AuditEvent.objects.get(object_type="share", action=AuditEvent.Action.CREATE)
    assert (event.username, event.object_id, event.dossier_id) == (
        "alice",
        str(share.pk),
        signed.dossier_id,
    )
    assert "avec charlie" in event.detail and "sans limite" in event.detail

    page = text(client.get(shares_url(signed)))
    assert "Charlie Coordinateur" in page and "prévenu par e-mail" in page
    assert 'share-status-active">actif<' in page


def test_the_report_page_leads_the_clinician_to_the_sharing_page(client, signed, alice, charlie):
    client.force_login(alice)
    page = text(client.get(detail_url(signed)))
    assert f'href="{shares_url(signed)}"' in page and "Partager</a>" in page
    client.force_login(charlie)
    page = text(client.get(detail_url(signed)))
    assert f'href="{shares_url(signed)}"' in page and "Voir les partages" in page


def test_only_members_of_the_team_are_offered_and_accepted(client, signed, alice, bob):
    client.force_login(alice)
    page = text(client.get(shares_url(signed)))
    assert "Charlie Coordinateur" in page and "Dave Externe" in page
    assert "Bob" not in page
    response = share_post(client, signed, bob)
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in text(response)
    with pytest.raises(ServiceError, match="ne fait pas partie de l'équipe"):
        services.report_share(report=signed, recipient=bob, user=alice)
    assert not Share.objects.exists()


# --- External members: access while the share is live ---------------------------------------


def test_an_external_member_reads_the_report_only_while_shared(
    client, signed, alice, dave, django_capture_on_commit_callbacks
):
    client.force_login(dave)
    assert client.get(detail_url(signed)).status_code == 404

    client.force_login(alice)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        share_post(client, signed, dave, message="Bilan orthophonique à prévoir.")
    share = Share.objects.get(recipient=dave)
    # An external member's access always ends: SHARE_DEFAULT_DAYS by default.
    expected = before + datetime.timedelta(days=settings.SHARE_DEFAULT_DAYS)
    assert abs(share.expires_at - expected) < datetime.timedelta(minutes=1)
    [email] = mail.outbox
    assert email.to == ["dave@example.org"]
    assert f"jusqu'au {timezone.localtime(share.expires_at):%d/%m/%Y}" in email.body
    assert_no_patient_information(email.body, signed)

    client.force_login(dave)
    response = client.get(detail_url(signed))
    assert response.status_code == 200
    assert "Document partagé" in text(response)
    mine = text(client.get(reverse("sharing:shared_with_me")))
    assert f'href="{detail_url(signed)}"' in mine
    assert "Bilan orthophonique à prévoir." in mine and 'share-status-active">actif<' in mine

    # Revoked: gone at the next request.
    client.force_login(alice)
    revoke_url = reverse("sharing:share_revoke", args=[signed.pk, share.pk])
    assert "L'accès cesse immédiatement" in text(client.get(revoke_url))
    response = client.post(revoke_url, {"confirm": "on"})
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None and share.revoked_by == alice
    event = AuditEvent.objects.get(object_type="share", action=AuditEvent.Action.UPDATE)
    assert event.username == "alice" and "révoqué" in event.detail and "dave" in event.detail

    client.force_login(dave)
    assert client.get(detail_url(signed)).status_code == 404
    assert client.get(reverse("documents:report_pdf", args=[signed.pk])).status_code == 404
    mine = text(client.get(reverse("sharing:shared_with_me")))
    assert 'share-status-revoked">révoqué<' in mine
    assert f'href="{detail_url(signed)}"' not in mine
    # The message goes with the access.
    assert "Bilan orthophonique" not in mine
    # Still in the team, seeing nothing.
    assert DossierMember.objects.filter(user=dave, role=DossierMember.Role.EXTERNAL).exists()
    dossier_page = text(client.get(reverse("dossiers:dossier_detail", args=[signed.dossier_id])))
    assert detail_url(signed) not in dossier_page

    client.force_login(alice)
    page = text(client.get(shares_url(signed)))
    assert 'share-status-revoked">révoqué<' in page and "Révoquer</a>" not in page


def test_revocation_needs_confirmation(client, signed, alice, dave):
    share = services.report_share(report=signed, recipient=dave, user=alice)
    client.force_login(alice)
    response = client.post(reverse("sharing:share_revoke", args=[signed.pk, share.pk]), {})
    assert response.status_code == 200
    share.refresh_from_db()
    assert share.revoked_at is None


def test_an_expired_share_closes_access(client, signed, alice, dave):
    services.report_share(report=signed, recipient=dave, user=alice)
    client.force_login(dave)
    assert client.get(detail_url(signed)).status_code == 200
    later = timezone.now() + datetime.timedelta(days=settings.SHARE_DEFAULT_DAYS, hours=1)
    with time_machine.travel(later):
        client.logout()  # a new session: the earlier one has long expired
        client.force_login(dave)
        assert client.get(detail_url(signed)).status_code == 404
        assert 'share-status-expired">expiré<' in text(
            client.get(reverse("sharing:shared_with_me"))
        )
        client.force_login(alice)
        assert 'share-status-expired">expiré<' in text(client.get(shares_url(signed)))


def test_an_expiry_date_chosen_by_the_clinician_ends_access_after_that_day(
    client, signed, alice, dave
):
    client.force_login(alice)
    last_day = timezone.localdate() + datetime.timedelta(days=2)
    share_post(client, signed, dave, expires_on=last_day.isoformat())
    share = Share.objects.get(recipient=dave)
    assert timezone.localtime(share.expires_at).date() == last_day
    with time_machine.travel(timezone.localtime(share.expires_at) - datetime.timedelta(hours=1)):
        client.force_login(dave)
        assert client.get(detail_url(signed)).status_code == 200
    with time_machine.travel(timezone.localtime(share.expires_at) + datetime.timedelta(hours=1)):
        client.logout()  # a new session: the earlier one is idle by now
        client.force_login(dave)
        assert client.get(detail_url(signed)).status_code == 404


def test_a_date_in_the_past_is_refused(client, signed, alice, dave):
    client.force_login(alice)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = share_post(client, signed, dave, expires_on=yesterday.isoformat())
    assert "Choisissez une date à venir." in text(response)
    assert not Share.objects.exists()


def test_sharing_again_renews_the_live_share(client, signed, alice, dave):
    first = services.report_share(
        report=signed,
        recipient=dave,
        user=alice,
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    later = timezone.now() + datetime.timedelta(days=60)
    again = services.report_share(report=signed, recipient=dave, user=alice, expires_at=later)
    assert again.pk == first.pk and Share.objects.count() == 1
    assert again.expires_at == later
    assert AuditEvent.objects.filter(
        object_type="share", action=AuditEvent.Action.UPDATE, detail__contains="renouvelé"
    ).exists()
    # After a revocation, sharing again makes a new share.
    services.share_revoke(share=again, user=alice)
    third = services.report_share(report=signed, recipient=dave, user=alice)
    assert third.pk != first.pk and Share.objects.count() == 2


def test_a_withdrawn_sharing_consent_closes_a_live_share(client, signed, alice, dave):
    services.report_share(report=signed, recipient=dave, user=alice)
    consultation = signed.dossier.consultations.get()
    type(consultation).objects.filter(pk=consultation.pk).update(sharing_consent=False)
    client.force_login(dave)
    assert client.get(detail_url(signed)).status_code == 404
    mine = text(client.get(reverse("sharing:shared_with_me")))
    assert "le consentement au partage a été retiré" in mine
    assert f'href="{detail_url(signed)}"' not in mine


# --- What cannot be shared, and by whom -----------------------------------------------------


def test_a_report_not_signed_cannot_be_shared(client, draft, alice, dave):
    client.force_login(alice)
    page = text(client.get(shares_url(draft)))
    assert "Seul un compte rendu signé peut être partagé." in page
    assert 'name="recipient"' not in page
    response = share_post(client, draft, dave)
    assert response.status_code == 200
    assert "Seul un compte rendu signé peut être partagé." in text(response)
    response = client.post(
        reverse("sharing:share_invite", args=[draft.pk]),
        {"email": "x@example.org", "first_name": "X", "last_name": "Y", "days": 5},
    )
    assert "Seul un compte rendu signé peut être partagé." in text(response)
    assert not Share.objects.exists() and not mail.outbox


def test_a_report_without_the_sharing_consent_cannot_be_shared(
    client, unconsented, alice, dave, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    refusal = "Partage impossible : le consentement du représentant légal au partage manque"
    assert refusal in text(client.get(shares_url(unconsented)))
    with django_capture_on_commit_callbacks(execute=True):
        response = share_post(client, unconsented, dave)
    assert response.status_code == 200 and refusal in text(response)
    assert not Share.objects.exists() and not mail.outbox
    assert not AuditEvent.objects.filter(object_type="share").exists()


def test_the_coordinator_reads_the_shares_but_cannot_share_or_revoke(
    client, signed, alice, charlie, dave
):
    share = services.report_share(report=signed, recipient=dave, user=alice)
    client.force_login(charlie)
    page = text(client.get(shares_url(signed)))
    assert "Dave Externe" in page and 'name="recipient"' not in page
    assert "Révoquer" not in page
    assert share_post(client, signed, dave).status_code == 403
    invite = reverse("sharing:share_invite", args=[signed.pk])
    assert client.post(invite, {"email": "x@example.org"}).status_code == 403
    revoke = reverse("sharing:share_revoke", args=[signed.pk, share.pk])
    assert client.get(revoke).status_code == 403
    assert client.post(revoke, {"confirm": "on"}).status_code == 403
    share.refresh_from_db()
    assert share.revoked_at is None
    with pytest.raises(ServiceError):
        services.report_share(report=signed, recipient=dave, user=charlie)
    with pytest.raises(ServiceError):
        services.share_revoke(share=share, user=charlie)


def test_a_recipient_cannot_see_the_sharing_page(client, signed, alice, dave):
    share = services.report_share(report=signed, recipient=dave, user=alice)
    client.force_login(dave)
    assert client.get(shares_url(signed)).status_code == 403
    assert share_post(client, signed, dave).status_code == 403
    revoke = reverse("sharing:share_revoke", args=[signed.pk, share.pk])
    assert client.post(revoke, {"confirm": "on"}).status_code == 403


@pytest.mark.parametrize("who", ["bob", "eve"])
def test_outsiders_and_admins_get_404(client, signed, alice, dave, bob, eve, who):
    share = services.report_share(report=signed, recipient=dave, user=alice)
    client.force_login({"bob": bob, "eve": eve}[who])
    assert client.get(shares_url(signed)).status_code == 404
    assert share_post(client, signed, dave).status_code == 404
    invite = reverse("sharing:share_invite", args=[signed.pk])
    assert client.post(invite, {"email": "x@example.org"}).status_code == 404
    revoke = reverse("sharing:share_revoke", args=[signed.pk, share.pk])
    assert client.get(revoke).status_code == 404
    assert client.post(revoke, {"confirm": "on"}).status_code == 404


def test_anonymous_users_are_sent_to_login(client, signed):
    for url in (shares_url(signed), reverse("sharing:shared_with_me")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Inviting an external professional ------------------------------------------------------


def invite_post(client, report, **fields):
    data = {
        "email": "Paul.Roux@Example.org",
        "first_name": "Paul",
        "last_name": "Roux",
        "profession": "orthophoniste",
        "days": 10,
    } | fields
    return client.post(reverse("sharing:share_invite", args=[report.pk]), data)


def test_an_invited_professional_sets_a_password_and_reads_the_report(
    client, signed, alice, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = invite_post(client, signed)
    assert response.status_code == 302
    share = Share.objects.select_related("recipient").get()
    paul = share.recipient
    assert (paul.first_name, paul.last_name, paul.email) == (
        "Paul",
        "Roux",
        "Paul.Roux@example.org",
    )
    assert not paul.has_usable_password() and not paul.is_staff
    assert DossierMember.objects.get(user=paul, dossier=signed.dossier).role == "external"
    expected = before + datetime.timedelta(days=10)
    assert abs(share.expires_at - expected) < datetime.timedelta(minutes=1)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, detail__contains="invitation"
    ).exists()

    [email] = mail.outbox
    assert email.to == ["Paul.Roux@example.org"] and email.subject == INVITATION_SUBJECT
    assert "Alice Clinicienne" in email.body and "orthophoniste" in email.body
    assert_no_patient_information(email.body, signed)
    [link] = re.findall(r"https?://\S+/comptes/mot-de-passe/\S+", email.body)
    assert link.startswith(settings.SITE_URL)

    client.logout()
    response = client.get(link.removeprefix(settings.SITE_URL))
    assert response.status_code == 302  # Django moves the token out of the address
    set_url = response["Location"]
    assert "Choisir votre mot de passe" in text(client.get(set_url))
    password = "une phrase de passe assez longue"
    response = client.post(set_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    assert "Mot de passe enregistré" in text(client.get(response["Location"]))
    # The link served once.
    assert "n'est plus valable" in text(
        client.get(link.removeprefix(settings.SITE_URL), follow=True)
    )

    response = client.post(reverse("login"), {"username": paul.username, "password": password})
    assert response.status_code == 302
    assert client.get(detail_url(signed)).status_code == 200
    assert f'href="{detail_url(signed)}"' in text(client.get(reverse("sharing:shared_with_me")))


def test_inviting_an_existing_account_reuses_it(
    client, signed, alice, bob, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite_post(client, signed, email="BOB@example.org", first_name="B")
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.first_name == "Bob"  # an existing account keeps its names
    assert DossierMember.objects.get(user=bob, dossier=signed.dossier).role == "external"
    assert Share.objects.get().recipient == bob
    # Bob has a password: the usual notification, no password link.
    [email] = mail.outbox
    assert email.subject == SHARE_SUBJECT and "/comptes/mot-de-passe/" not in email.body
    client.force_login(bob)
    assert client.get(detail_url(signed)).status_code == 200


def test_an_administrators_address_cannot_be_invited(client, signed, alice, eve):
    client.force_login(alice)
    response = invite_post(client, signed, email="eve@example.org")
    assert response.status_code == 200
    assert "appartient à un compte d'administration" in text(response)
    assert not Share.objects.exists()
    assert not DossierMember.objects.filter(user=eve).exists()


def test_a_member_of_the_care_team_is_not_invited_as_external(client, signed, alice, charlie):
    client.force_login(alice)
    response = invite_post(client, signed, email="charlie@example.org")
    assert "fait déjà partie de l'équipe de soins" in text(response)
    assert DossierMember.objects.get(user=charlie).role == "coordinator"
    assert not Share.objects.exists()


def test_an_invalid_invitation_is_refused(client, signed, alice):
    client.force_login(alice)
    response = invite_post(client, signed, email="pas-une-adresse")
    assert "Saisissez une adresse de courriel valide." in text(response)
    response = invite_post(client, signed, days=0)
    assert response.status_code == 200 and not Share.objects.exists()
    with pytest.raises(ServiceError, match="Adresse e-mail invalide"):
        services.external_invite(
            report=signed,
            email="x@",
            first_name="X",
            last_name="Y",
            profession="",
            user=alice,
            days=5,
        )


# --- Emails that cannot leave, downloads, the shared-with-me page ---------------------------


def test_a_failed_email_leaves_the_share_valid_and_says_so(
    client, signed, alice, charlie, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("sharing.emails.send_mail", refuse)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert share_post(client, signed, charlie).status_code == 302
    share = Share.objects.get()
    assert share.notified_at is None
    assert "e-mail non envoyé" in text(client.get(shares_url(signed)))


def test_each_download_by_a_recipient_is_recorded_against_the_share(
    client, signed, alice, dave, monkeypatch
):
    # The PDF's content is not what this test is about: the worker's rendering is faked.
    renderer = WorkerOnlyRenderer()
    monkeypatch.setattr("documents.rendering.report_pdf_render", renderer)
    share = services.report_share(report=signed, recipient=dave, user=alice)
    client.force_login(dave)
    # The first time, the recipients' copy is rendered; the second, the stored file is served.
    pdf_through_the_door(client, signed, worker=renderer.worker_render)
    again = client.get(reverse("documents:report_pdf", args=[signed.pk]), follow=True)
    assert b"".join(again.streaming_content) == FAKE_PDF
    downloads = AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, object_type="report", object_id=str(signed.pk)
    ).filter(detail=f"téléchargement PDF (partage n° {share.pk})")
    assert downloads.count() == 2 and {e.username for e in downloads} == {"dave"}
    # The clinician's own download is not counted against the share.
    client.force_login(alice)
    pdf_through_the_door(client, signed, worker=renderer.worker_render)
    page = client.get(shares_url(signed))
    [row] = re.findall(
        rf'<tr class="share share-active" id="share-{share.pk}">.*?</tr>',
        page.content.decode(),
        re.S,
    )
    assert row.count("<li>") == 2


def test_shared_with_me_lists_what_each_user_received(client, signed, alice, charlie, bob):
    services.report_share(report=signed, recipient=charlie, user=alice)
    client.force_login(charlie)
    page = text(client.get(reverse("sharing:shared_with_me")))
    assert f"Compte rendu n° {signed.pk}" in page
    assert signed.dossier.patient.code in page
    assert "Alice Clinicienne" in page and "sans limite" in page
    assert 'share-status-active">actif<' in page
    assert f'href="{detail_url(signed)}"' in page
    client.force_login(bob)
    assert "Aucun document ne vous a été partagé." in text(
        client.get(reverse("sharing:shared_with_me"))
    )
    assert 'href="/partages/"' in text(client.get(reverse("dossiers:dossier_list")))
