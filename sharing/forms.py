import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.forms import DateInput
from sharing.services import INVITATION_MAX_DAYS


class ShareForm(forms.Form):
    """Share with a member of the care team (the queryset: the team but the user)."""

    recipient = forms.ModelChoiceField(
        label=_("Destinataire"),
        queryset=None,
        empty_label=_("— choisir un membre de l'équipe —"),
    )
    expires_on = forms.DateField(
        label=_("Accès jusqu'au (inclus)"),
        required=False,
        widget=DateInput,
    )
    message = forms.CharField(
        label=_("Message au destinataire (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Lu dans neddie seulement : il n'est pas envoyé par e-mail."),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = candidates
        self.fields["recipient"].label_from_instance = _member_label
        self.fields["expires_on"].help_text = _(
            "Vide : sans limite pour l'équipe de soins, %(days)s jours pour un membre externe."
        ) % {"days": settings.SHARE_DEFAULT_DAYS}

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("Choisissez une date à venir."))
        return day

    @property
    def expires_at(self) -> datetime.datetime | None:
        """Access ends at the end of the chosen day, in the site's time zone."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def _member_label(user) -> str:
    return user.get_full_name() or user.get_username()


class InviteForm(forms.Form):
    """Invite an external professional by email."""

    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254)
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    profession = forms.CharField(
        label=_("Profession"),
        max_length=100,
        required=False,
        help_text=_("Par exemple : orthophoniste, médecin scolaire, psychomotricien."),
    )
    days = forms.IntegerField(
        label=_("Durée de l'accès (jours)"),
        min_value=1,
        max_value=INVITATION_MAX_DAYS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.SHARE_DEFAULT_DAYS


class RevokeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Je confirme : le destinataire n'aura plus accès au document."),
        required=True,
    )
