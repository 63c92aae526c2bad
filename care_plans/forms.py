"""Forms of the care plan page: one row form per kind of row (its columns are
``layout.FIELDS_BY_KIND``), the plan's identification, a section's free text. They only
validate what was typed; the services decide (and refuse with a ServiceError)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from care_plans.layout import FIELDS_BY_KIND
from care_plans.models import CarePlan, CarePlanEntry, CarePlanSection
from dossiers.forms import DateInput
from dossiers.models import DossierMember
from dossiers.people import display_name
from dossiers.selectors import CARE_TEAM_ROLES

Entry = CarePlanEntry


def team_members(plan: CarePlan, roles=None):
    """The users of the plan's care team (all roles, or only ``roles``)."""
    members = DossierMember.objects.filter(dossier_id=plan.report.dossier_id)
    if roles is not None:
        members = members.filter(role__in=roles)
    return (
        get_user_model()
        .objects.filter(pk__in=members.values("user_id"))
        .order_by("last_name", "first_name", "username")
    )


class _EntryForm(forms.ModelForm):
    """A row of one kind. The ``responsible`` choice is limited to the dossier's team."""

    kind: str = ""

    def __init__(self, *args, plan: CarePlan, **kwargs):
        super().__init__(*args, **kwargs)
        if "responsible" in self.fields:
            field = self.fields["responsible"]
            field.queryset = team_members(plan)
            field.label_from_instance = display_name
            field.empty_label = _("— personne de l'équipe —")
            field.help_text = _("Ou nommez le professionnel qui réévalue ci-dessus.")
        if "text" in self.fields:
            self.fields["text"].widget = forms.Textarea(attrs={"rows": 2})
        if "priority" in self.fields:
            self.fields["priority"].widget.attrs["min"] = 1
        if self.kind == Entry.Kind.FOLLOW_UP:
            # A re-evaluation without a date reminds nobody.
            self.fields["target_date"].required = True
            self.fields["target_date"].label = _("Date de réévaluation")
            self.fields["text"].label = _("Ce qui est réévalué")
            self.fields["professional"].label = _("Professionnel qui réévalue")


def entry_form_class(kind: str) -> type[_EntryForm]:
    """The ModelForm of a row kind: its fields, in the table's order."""
    fields = FIELDS_BY_KIND[kind]
    meta = type(
        "Meta",
        (),
        {
            "model": CarePlanEntry,
            "fields": list(fields),
            "widgets": {"target_date": DateInput},
        },
    )
    return type(
        f"{kind.title().replace('_', '')}EntryForm", (_EntryForm,), {"Meta": meta, "kind": kind}
    )


ENTRY_FORMS = {kind: entry_form_class(kind) for kind in FIELDS_BY_KIND}


def entry_form(kind: str, *, plan: CarePlan, data=None, instance=None, prefix: str = ""):
    form_class = ENTRY_FORMS[kind]
    if instance is None:
        instance = CarePlanEntry(kind=kind)
    return form_class(data, instance=instance, plan=plan, prefix=prefix or None)


class IdentificationForm(forms.ModelForm):
    """The référent (a clinician or the coordinator of the team) and the participants."""

    class Meta:
        model = CarePlan
        fields = ["coordinator", "participants"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["coordinator"]
        field.queryset = team_members(self.instance, CARE_TEAM_ROLES)
        field.label_from_instance = display_name
        field.empty_label = _("— à désigner —")
        self.fields["participants"].widget = forms.TextInput(
            attrs={"placeholder": "parents, pédopsychiatre, orthophoniste…"}
        )


class SectionTextForm(forms.ModelForm):
    class Meta:
        model = CarePlanSection
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
        labels = {"body": _("Texte de la section")}
