from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from protocols.selectors import protocols_available
from reports.models import AUDIO_EXTENSIONS, Consultation, Patient


class DateInput(forms.DateInput):
    input_type = "date"


class DossierForm(forms.Form):
    initials = forms.CharField(
        label=_("Initiales de l'enfant"),
        max_length=4,
        help_text=_("Pas de nom : le dossier est pseudonymisé."),
    )
    birth_date = forms.DateField(label=_("Date de naissance"), widget=DateInput)
    sex = forms.ChoiceField(label=_("Sexe"), choices=Patient.Sex.choices)
    gestational_age_weeks = forms.IntegerField(
        label=_("Terme de naissance (semaines d'aménorrhée)"),
        required=False,
        min_value=22,
        max_value=44,
        help_text=_("À renseigner pour un enfant né prématuré : âge corrigé avant 2 ans."),
    )
    protocols = forms.ModelMultipleChoiceField(
        label=_("Protocoles"),
        queryset=protocols_available(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Le compte rendu suivra leurs sections, dans cet ordre."),
    )

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        if birth_date > timezone.localdate():
            raise forms.ValidationError(_("La date de naissance est dans le futur."))
        return birth_date


class ConsultationRecordingForm(forms.Form):
    date = forms.DateField(label=_("Date de la consultation"), widget=DateInput)
    modality = forms.ChoiceField(label=_("Modalité"), choices=Consultation.Modality.choices)
    participants = forms.CharField(
        label=_("Participants"),
        required=False,
        max_length=300,
        help_text=_("Rôles plutôt que noms : ex. « pédopsychiatre, mère, enfant »."),
    )
    recording_consent = forms.BooleanField(
        label=_("Le représentant légal a consenti à l'enregistrement"), required=False
    )
    consent_given_by = forms.CharField(
        label=_("Consentement donné par"),
        required=False,
        max_length=120,
        help_text=_("ex. « mère », « père », « tuteur »."),
    )
    audio = forms.FileField(
        label=_("Enregistrement"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(AUDIO_EXTENSIONS))}),
    )
    speaker_label = forms.CharField(
        label=_("Locuteur de la piste"),
        required=False,
        max_length=40,
        help_text=_(
            "Seulement si la plateforme enregistre une piste par participant : qui parle "
            "sur celle-ci (clinicien, parent, enfant…). Sinon, laissez vide."
        ),
    )


class TrackForm(forms.Form):
    """Another participant's track for an existing consultation."""

    audio = forms.FileField(
        label=_("Piste audio"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(AUDIO_EXTENSIONS))}),
    )
    speaker_label = forms.CharField(
        label=_("Locuteur de la piste"), max_length=40, help_text=_("ex. « parent »")
    )


class SpeakerRenameForm(forms.Form):
    current = forms.CharField(max_length=40)
    new = forms.CharField(label=_("Nommer"), max_length=40)


class SegmentSpeakerForm(forms.Form):
    speaker = forms.CharField(max_length=40)
