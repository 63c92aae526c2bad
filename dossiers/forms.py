from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import AUDIO_EXTENSIONS, Consultation, Patient
from protocols.selectors import protocols_available

RELATIONSHIP_CHOICES = [("", _("— choisir —")), *Consultation.Relationship.choices]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # The browser's date field reads ISO dates only, whatever the page's language.
        super().__init__(attrs, format="%Y-%m-%d")


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
    # The legal representative's consent, asked at the session: who, in what capacity, and
    # for what. Recorded with the time and the user who files it.
    consent_given_by = forms.CharField(
        label=_("Représentant légal (nom)"),
        required=False,
        max_length=120,
        help_text=_("Celui ou celle qui a donné son consentement pendant la consultation."),
    )
    consent_relationship = forms.ChoiceField(
        label=_("Qualité"),
        choices=RELATIONSHIP_CHOICES,
        required=False,
        # Asked of everyone in the page; the server still accepts a filing without it from
        # older scripts, and the dossier page lets it be completed afterwards.
        widget=forms.Select(attrs={"required": True}),
    )
    recording_consent = forms.BooleanField(
        label=_(
            "Le représentant légal consent à l'enregistrement de la consultation et à son "
            "traitement automatique "
            "(transcription, aide à la rédaction du compte rendu)"
        ),
        required=False,
        help_text=_("Obligatoire : sans ce consentement, l'enregistrement est refusé."),
    )
    sharing_consent = forms.BooleanField(
        label=_(
            "Le représentant légal consent au partage du compte rendu signé avec l'équipe de soins"
        ),
        required=False,
        help_text=_(
            "Les membres externes de l'équipe (médecin scolaire, orthophoniste…) ne voient le "
            "compte rendu signé qu'avec ce consentement. Il peut être donné ou retiré plus tard."
        ),
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


class ConsultationConsentForm(forms.Form):
    """The consents of a consultation already filed, given or withdrawn, as the legal
    representative declares them now."""

    consent_given_by = forms.CharField(label=_("Représentant légal (nom)"), max_length=120)
    consent_relationship = forms.ChoiceField(
        label=_("Qualité"), choices=Consultation.Relationship.choices
    )
    recording_consent = forms.BooleanField(
        label=_("Le représentant légal consent à l'enregistrement et à son traitement automatique"),
        required=False,
        help_text=_("Retiré : les transcriptions en cours s'arrêtent, aucun nouveau dépôt."),
    )
    sharing_consent = forms.BooleanField(
        label=_(
            "Le représentant légal consent au partage du compte rendu signé avec l'équipe de soins"
        ),
        required=False,
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
