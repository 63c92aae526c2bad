"""The legal representative's consents for a consultation already filed: given or
withdrawn from the dossier page, by the care team."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from dossiers import selectors, services
from dossiers.forms import ConsultationConsentForm
from dossiers.permissions import require


@login_required
@require_http_methods(["POST"])
def consultation_consent(request, consultation_id: int):
    """Record the consents as the legal representative declares them now (recording and
    automatic processing; sharing the report with the care team)."""
    # 404 outside the care team (external members included): consent is pathway data.
    consultation = selectors.consultation_for_user(request.user, consultation_id)
    # The care team members who file recordings are the ones who collect consent.
    require(request.user, "dossiers.add_recording", consultation.dossier)
    form = ConsultationConsentForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Consentements non enregistrés : "
            + " ".join(
                f"{form.fields[name].label} : {error}"
                for name, errors in form.errors.items()
                for error in errors
            ),
        )
    else:
        data = form.cleaned_data
        try:
            services.consultation_consent_set(
                consultation=consultation,
                recording_consent=data["recording_consent"],
                sharing_consent=data["sharing_consent"],
                given_by=data["consent_given_by"],
                relationship=data["consent_relationship"],
                user=request.user,
            )
        except services.ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _saved_message(data))
    url = reverse("dossiers:dossier_detail", args=[consultation.dossier_id])
    return redirect(f"{url}#consultation-{consultation.pk}")


def _saved_message(data: dict) -> str:
    recording = "donné" if data["recording_consent"] else "retiré ou non donné"
    sharing = "donné" if data["sharing_consent"] else "retiré ou non donné"
    return (
        f"Consentements enregistrés : enregistrement {recording}, partage du compte rendu "
        f"{sharing}."
    )
