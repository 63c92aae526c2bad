"""Correcting who speaks in a transcript."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SpeakerRenameForm(forms.Form):
    current = forms.CharField(max_length=40)
    new = forms.CharField(label=_("Nommer"), max_length=40)


class SegmentSpeakerForm(forms.Form):
    speaker = forms.CharField(max_length=40)
