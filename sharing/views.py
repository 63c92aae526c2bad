"""Sharing signed documents: the report's sharing page (who has it, until when, their
downloads; share with the team, invite an external professional), revocation, and each
user's "shared with me" page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_read
from dossiers.people import display_name
from dossiers.permissions import can, require
from dossiers.services import ServiceError
from reports.selectors import report_for_user
from sharing import selectors as sharing_selectors
from sharing import services
from sharing.forms import InviteForm, RevokeForm, ShareForm


def _shares_page(request, report, *, share_form=None, invite_form=None, status=200):
    can_manage = can(request.user, "sharing.manage_shares", report)
    refusal = services.sharing_refusal(request.user, report) if can_manage else None
    candidates = sharing_selectors.share_candidates(report, request.user)
    return render(
        request,
        "sharing/report_shares.html",
        {
            "report": report,
            "rows": sharing_selectors.report_shares(report),
            "can_manage": can_manage,
            "refusal": refusal,
            "share_form": share_form or ShareForm(candidates=candidates),
            "invite_form": invite_form or InviteForm(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_shares(request, report_id: int):
    """GET: the care team sees who the report is shared with. POST: the clinician shares
    it with a member of the team."""
    report = report_for_user(request.user, report_id)
    require(request.user, "sharing.view_shares", report)
    if request.method == "GET":
        audit_read(request, report, detail="partages")
        return _shares_page(request, report)
    require(request.user, "sharing.manage_shares", report)
    form = ShareForm(
        request.POST, candidates=sharing_selectors.share_candidates(report, request.user)
    )
    if form.is_valid():
        recipient = form.cleaned_data["recipient"]
        try:
            services.report_share(
                report=report,
                recipient=recipient,
                user=request.user,
                expires_at=form.expires_at,
                message=form.cleaned_data["message"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Document partagé avec {display_name(recipient)}.")
            if not recipient.email:
                messages.warning(
                    request,
                    f"{display_name(recipient)} n'a pas d'adresse e-mail : prévenez-le autrement.",
                )
            return redirect("sharing:report_shares", report_id=report.pk)
    return _shares_page(request, report, share_form=form)


@login_required
@require_http_methods(["POST"])
def share_invite(request, report_id: int):
    """The clinician invites an external professional by email to read the report."""
    report = report_for_user(request.user, report_id)
    require(request.user, "sharing.manage_shares", report)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.external_invite(report=report, user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"Invitation envoyée à {form.cleaned_data['email']} : accès pendant "
                f"{form.cleaned_data['days']} jours.",
            )
            return redirect("sharing:report_shares", report_id=report.pk)
    return _shares_page(request, report, invite_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def share_revoke(request, report_id: int, share_id: int):
    """GET: confirm; POST: revoke. The clinician of the dossier, whatever the state."""
    report = report_for_user(request.user, report_id)
    require(request.user, "sharing.manage_shares", report)
    share = get_object_or_404(report.shares.select_related("recipient"), pk=share_id)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.share_revoke(share=share, user=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Partage révoqué : {display_name(share.recipient)} n'a plus accès au document.",
            )
        return redirect("sharing:report_shares", report_id=report.pk)
    return render(
        request,
        "sharing/share_revoke.html",
        {"report": report, "share": share, "form": form},
    )


@login_required
@require_GET
def shared_with_me(request):
    """What the user received: each document, from whom, until when, and whether it still
    opens."""
    return render(
        request,
        "sharing/shared_with_me.html",
        {"rows": sharing_selectors.shares_received(request.user)},
    )
