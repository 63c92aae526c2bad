"""factory_boy factories: synthetic data only, never real patients.

Protocols are not built by factories: a published version cannot be written row by row (the
database refuses it), so tests import protocol files (tests/protocol_files.py) as admins do."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from dossiers import services
from dossiers.models import Consultation, Dossier, DossierMember, Patient


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def clinician(user, create, extracted, **kwargs):
        """``UserFactory(clinician=True)``: in the group « Cliniciens », as an admin puts a
        clinician, so the account may open dossiers. Other accounts may not."""
        if create and extracted:
            services.clinician_grant(user=user)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    initials = "TS"
    birth_date = datetime.date(2021, 5, 4)
    sex = Patient.Sex.FEMALE


class DossierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dossier

    patient = factory.SubFactory(PatientFactory)
    created_by = factory.SubFactory(UserFactory)


class DossierMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DossierMember

    dossier = factory.SubFactory(DossierFactory)
    user = factory.SubFactory(UserFactory)
    role = DossierMember.Role.CLINICIAN


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    dossier = factory.SubFactory(DossierFactory)
    date = datetime.date(2026, 11, 2)
    modality = Consultation.Modality.TELECONSULTATION
    participants = "pédopsychiatre, mère"
    recording_consent = True
    consent_given_by = "mère"
    consent_recorded_at = factory.LazyFunction(timezone.now)
    created_by = factory.SelfAttribute("dossier.created_by")
