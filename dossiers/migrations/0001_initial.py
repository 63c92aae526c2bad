"""The dossiers app takes over its models from ``reports``, on the tables they already have
(``reports_*``): the state moves, the database does not, and the content types follow."""

import django.core.validators
import django.db.models.deletion
import dossiers.models
from django.conf import settings
from django.db import migrations, models

from neddie.moved_models import content_types_follow


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reports", "0010_background_jobs"),
        ("protocols", "0006_authors_are_part_of_the_record"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (``db_table``); only Django's view of them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Patient",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "code",
                            models.CharField(
                                default=dossiers.models._new_patient_code,
                                max_length=16,
                                unique=True,
                                verbose_name="identifiant interne",
                            ),
                        ),
                        (
                            "initials",
                            models.CharField(
                                max_length=4,
                                validators=[
                                    django.core.validators.RegexValidator(
                                        "^[A-Z]{1,4}$",
                                        "De une à quatre lettres majuscules, ex. « LM ».",
                                    )
                                ],
                                verbose_name="initiales",
                            ),
                        ),
                        (
                            "birth_date",
                            models.DateField(
                                blank=True, null=True, verbose_name="date de naissance"
                            ),
                        ),
                        (
                            "sex",
                            models.CharField(
                                choices=[("F", "féminin"), ("M", "masculin"), ("X", "non précisé")],
                                default="X",
                                max_length=1,
                                verbose_name="sexe",
                            ),
                        ),
                        (
                            "gestational_age_weeks",
                            models.PositiveSmallIntegerField(
                                blank=True,
                                help_text="Avant 37 SA, les grilles utilisent l'âge corrigé jusqu'à 2 ans.",
                                null=True,
                                validators=[
                                    django.core.validators.MinValueValidator(22),
                                    django.core.validators.MaxValueValidator(44),
                                ],
                                verbose_name="terme de naissance (semaines d'aménorrhée)",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "verbose_name": "patient",
                        "verbose_name_plural": "patients",
                        "db_table": "reports_patient",
                    },
                ),
                migrations.CreateModel(
                    name="Dossier",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "dossier",
                        "verbose_name_plural": "dossiers",
                        "db_table": "reports_dossier",
                        "ordering": ["-created_at"],
                        "permissions": [("open_dossier", "Peut ouvrir un dossier")],
                    },
                ),
                migrations.CreateModel(
                    name="Consultation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("date", models.DateField(verbose_name="date")),
                        (
                            "modality",
                            models.CharField(
                                choices=[
                                    ("teleconsultation", "téléconsultation"),
                                    ("in_person", "présentiel"),
                                ],
                                default="teleconsultation",
                                max_length=20,
                                verbose_name="modalité",
                            ),
                        ),
                        (
                            "participants",
                            models.CharField(
                                blank=True, max_length=300, verbose_name="participants"
                            ),
                        ),
                        (
                            "recording_consent",
                            models.BooleanField(
                                default=False,
                                verbose_name="consentement du représentant légal à l'enregistrement",
                            ),
                        ),
                        (
                            "sharing_consent",
                            models.BooleanField(
                                default=False,
                                verbose_name="consentement au partage du compte rendu avec l'équipe de soins",
                            ),
                        ),
                        (
                            "consent_given_by",
                            models.CharField(
                                blank=True, max_length=120, verbose_name="consentement donné par"
                            ),
                        ),
                        (
                            "consent_relationship",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("mere", "mère"),
                                    ("pere", "père"),
                                    ("tuteur", "tuteur ou tutrice légal(e)"),
                                    ("autre", "autre représentant légal"),
                                ],
                                max_length=10,
                                verbose_name="qualité",
                            ),
                        ),
                        ("consent_recorded_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "consent_recorded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "dossier",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="consultations",
                                to="dossiers.dossier",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "consultation",
                        "verbose_name_plural": "consultations",
                        "db_table": "reports_consultation",
                        "ordering": ["date", "created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="DossierMember",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("clinician", "clinicien"),
                                    ("coordinator", "coordinateur de parcours"),
                                    ("external", "membre externe (lecture seule)"),
                                ],
                                max_length=20,
                                verbose_name="rôle",
                            ),
                        ),
                        (
                            "dossier",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="members",
                                to="dossiers.dossier",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "membre de l'équipe",
                        "verbose_name_plural": "équipe de soins",
                        "db_table": "reports_dossiermember",
                    },
                ),
                migrations.AddField(
                    model_name="dossier",
                    name="team",
                    field=models.ManyToManyField(
                        related_name="dossiers",
                        through="dossiers.DossierMember",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.CreateModel(
                    name="DossierProtocol",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("position", models.PositiveSmallIntegerField()),
                        (
                            "dossier",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="protocol_choices",
                                to="dossiers.dossier",
                            ),
                        ),
                        (
                            "protocol",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="protocols.protocol",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reports_dossierprotocol",
                        "ordering": ["dossier", "position"],
                    },
                ),
                migrations.AddField(
                    model_name="dossier",
                    name="protocols",
                    field=models.ManyToManyField(
                        related_name="dossiers",
                        through="dossiers.DossierProtocol",
                        to="protocols.protocol",
                        verbose_name="protocoles",
                    ),
                ),
                migrations.AddField(
                    model_name="dossier",
                    name="patient",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="dossiers",
                        to="dossiers.patient",
                    ),
                ),
                migrations.CreateModel(
                    name="Recording",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "file",
                            models.FileField(
                                blank=True,
                                max_length=255,
                                upload_to=dossiers.models._recording_path,
                                verbose_name="fichier",
                            ),
                        ),
                        (
                            "audio_deleted_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="audio supprimé le"
                            ),
                        ),
                        (
                            "original_name",
                            models.CharField(
                                blank=True, max_length=255, verbose_name="nom d'origine"
                            ),
                        ),
                        (
                            "size_bytes",
                            models.PositiveBigIntegerField(verbose_name="taille (octets)"),
                        ),
                        ("sha256", models.CharField(max_length=64)),
                        ("duration_seconds", models.FloatField(verbose_name="durée (s)")),
                        ("container", models.CharField(max_length=40, verbose_name="format")),
                        ("codec", models.CharField(max_length=40, verbose_name="codec")),
                        (
                            "sample_rate",
                            models.PositiveIntegerField(
                                verbose_name="fréquence d'échantillonnage (Hz)"
                            ),
                        ),
                        ("channels", models.PositiveSmallIntegerField(verbose_name="canaux")),
                        (
                            "speaker_label",
                            models.CharField(
                                blank=True,
                                help_text="Si la plateforme enregistre une piste par participant : qui parle sur celle-ci (clinicien, parent, enfant…).",
                                max_length=40,
                                verbose_name="locuteur de la piste",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "consultation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="recordings",
                                to="dossiers.consultation",
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "enregistrement",
                        "verbose_name_plural": "enregistrements",
                        "db_table": "reports_recording",
                        "ordering": ["created_at"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="consultation",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("recording_consent", False),
                            models.Q(
                                models.Q(("consent_given_by", ""), _negated=True),
                                ("consent_recorded_at__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="consultation_consent_has_who_and_when",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="consultation",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("sharing_consent", False),
                            models.Q(
                                models.Q(("consent_given_by", ""), _negated=True),
                                ("consent_recorded_at__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="consultation_sharing_consent_has_who_and_when",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="dossiermember",
                    constraint=models.UniqueConstraint(
                        fields=("dossier", "user"), name="dossier_member_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="dossierprotocol",
                    constraint=models.UniqueConstraint(
                        fields=("dossier", "protocol"), name="dossier_protocol_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="dossierprotocol",
                    constraint=models.UniqueConstraint(
                        fields=("dossier", "position"), name="dossier_protocol_position_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="recording",
                    constraint=models.UniqueConstraint(
                        fields=("consultation", "sha256"), name="recording_unique_per_consultation"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="recording",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("duration_seconds__gt", 0)),
                        name="recording_duration_positive",
                    ),
                ),
            ],
        ),
        migrations.RunPython(
            *content_types_follow(
                from_app="reports",
                to_app="dossiers",
                models=[
                    "patient",
                    "dossier",
                    "dossierprotocol",
                    "dossiermember",
                    "consultation",
                    "recording",
                ],
            )
        ),
    ]
