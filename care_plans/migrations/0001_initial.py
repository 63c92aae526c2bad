"""The care_plans app takes over its models from ``reports``, on the tables they already have
(``reports_*``): the state moves, the database does not, and the content types follow."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from neddie.moved_models import content_types_follow


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reports", "0010_background_jobs"),
        ("protocols", "0006_authors_are_part_of_the_record"),
        ("reports", "0010_background_jobs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (``db_table``); only Django's view of them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="CarePlan",
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
                            "status",
                            models.CharField(
                                choices=[("draft", "brouillon"), ("signed", "validé et signé")],
                                default="draft",
                                max_length=10,
                                verbose_name="statut",
                            ),
                        ),
                        (
                            "participants",
                            models.CharField(
                                blank=True,
                                help_text="La famille en fait partie.",
                                max_length=400,
                                verbose_name="participants à l'élaboration",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "signed_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="signé le"),
                        ),
                        ("signed_sha256", models.CharField(blank=True, max_length=64)),
                        (
                            "coordinator",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="coordinated_care_plans",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="référent ou coordinateur de parcours",
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
                            "report",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="care_plan",
                                to="reports.report",
                            ),
                        ),
                        (
                            "signed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "plan personnalisé d'interventions",
                        "verbose_name_plural": "plans personnalisés d'interventions",
                        "db_table": "reports_careplan",
                    },
                ),
                migrations.CreateModel(
                    name="CarePlanDraftJob",
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
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "en attente"),
                                    ("running", "en cours"),
                                    ("done", "terminé"),
                                    ("failed", "échec"),
                                ],
                                default="queued",
                                max_length=10,
                                verbose_name="statut",
                            ),
                        ),
                        (
                            "stage",
                            models.CharField(blank=True, max_length=120, verbose_name="étape"),
                        ),
                        ("progress", models.PositiveSmallIntegerField(default=0)),
                        (
                            "error_message",
                            models.TextField(blank=True, verbose_name="motif de l'échec"),
                        ),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(default=0, verbose_name="tentatives"),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("dispatched_at", models.DateTimeField(blank=True, null=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("lease_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("lease_owner", models.CharField(blank=True, max_length=64)),
                        ("engine", models.CharField(blank=True, max_length=60)),
                        ("message", models.TextField(blank=True)),
                        (
                            "care_plan",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="drafting_jobs",
                                to="care_plans.careplan",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "propositions du plan d'interventions",
                        "verbose_name_plural": "propositions du plan d'interventions",
                        "db_table": "reports_careplandraftjob",
                        "ordering": ["-created_at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="CarePlanSection",
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
                        ("key", models.SlugField()),
                        ("title", models.CharField(max_length=200, verbose_name="titre")),
                        ("guidance", models.TextField(blank=True)),
                        ("position", models.PositiveIntegerField()),
                        ("body", models.TextField(blank=True, verbose_name="texte")),
                        (
                            "care_plan",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sections",
                                to="care_plans.careplan",
                            ),
                        ),
                        (
                            "source_section",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="protocols.protocolsection",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reports_careplansection",
                        "ordering": ["position"],
                    },
                ),
                migrations.CreateModel(
                    name="CarePlanEntry",
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
                            "kind",
                            models.CharField(
                                choices=[
                                    ("need", "besoin"),
                                    ("goal", "objectif"),
                                    ("intervention", "intervention"),
                                    ("school", "mesure scolaire"),
                                    ("step", "démarche"),
                                    ("assessment", "bilan à programmer"),
                                    ("follow_up", "réévaluation"),
                                ],
                                max_length=20,
                                verbose_name="type de ligne",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("proposed", "proposé, à relire"),
                                    ("accepted", "retenu"),
                                    ("rejected", "écarté"),
                                ],
                                default="accepted",
                                max_length=10,
                                verbose_name="statut",
                            ),
                        ),
                        (
                            "origin",
                            models.CharField(
                                choices=[
                                    ("engine", "proposé à partir du compte rendu"),
                                    ("clinician", "saisi par le clinicien"),
                                ],
                                default="clinician",
                                max_length=10,
                            ),
                        ),
                        ("position", models.PositiveIntegerField(default=0)),
                        (
                            "domain",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("communication", "communication et langage"),
                                    ("social", "interactions sociales"),
                                    ("cognition", "cognition"),
                                    ("sensorimoteur", "sensoriel et moteur"),
                                    ("comportement", "émotions et comportement"),
                                    ("somatique", "somatique"),
                                    ("autonomie", "autonomie"),
                                    ("apprentissages", "apprentissages"),
                                ],
                                max_length=20,
                                verbose_name="domaine",
                            ),
                        ),
                        ("text", models.TextField(verbose_name="description")),
                        (
                            "priority",
                            models.PositiveSmallIntegerField(
                                blank=True, null=True, verbose_name="priorité"
                            ),
                        ),
                        (
                            "criterion",
                            models.CharField(
                                blank=True, max_length=300, verbose_name="critère d'atteinte"
                            ),
                        ),
                        (
                            "target_date",
                            models.DateField(blank=True, null=True, verbose_name="échéance"),
                        ),
                        (
                            "intervention_type",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("orthophonie", "orthophonie"),
                                    ("psychomotricite", "psychomotricité"),
                                    ("ergotherapie", "ergothérapie"),
                                    ("psychologue", "psychologue"),
                                    ("neuropsychologue", "neuropsychologue"),
                                    ("educatif", "accompagnement éducatif"),
                                    ("guidance", "guidance parentale / PEHP"),
                                    ("psychoeducation", "psychoéducation"),
                                    ("medical", "suivi médical"),
                                    ("autre", "autre"),
                                ],
                                max_length=20,
                                verbose_name="type d'intervention",
                            ),
                        ),
                        (
                            "professional",
                            models.CharField(
                                blank=True,
                                max_length=200,
                                verbose_name="professionnel ou structure",
                            ),
                        ),
                        (
                            "frequency",
                            models.CharField(blank=True, max_length=100, verbose_name="fréquence"),
                        ),
                        (
                            "duration",
                            models.CharField(blank=True, max_length=100, verbose_name="durée"),
                        ),
                        (
                            "place",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("cabinet", "cabinet"),
                                    ("domicile", "domicile"),
                                    ("ecole", "école"),
                                    ("teleconsultation", "téléconsultation"),
                                    ("structure", "structure (CAMSP, CMPP, SESSAD…)"),
                                ],
                                max_length=20,
                                verbose_name="lieu",
                            ),
                        ),
                        (
                            "funding",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("conventionne", "actes conventionnés (Assurance maladie)"),
                                    ("forfait_pco", "forfait précoce (PCO)"),
                                    ("mdph", "droits MDPH"),
                                    ("autre", "autre ou à déterminer"),
                                ],
                                max_length=20,
                                verbose_name="financement",
                            ),
                        ),
                        (
                            "school_measure",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("amenagements", "aménagements pédagogiques"),
                                    ("pap", "PAP — plan d'accompagnement personnalisé"),
                                    ("pps", "PPS — projet personnalisé de scolarisation (MDPH)"),
                                    (
                                        "aesh",
                                        "AESH — accompagnant d'élève en situation de handicap",
                                    ),
                                ],
                                max_length=20,
                                verbose_name="mesure scolaire",
                            ),
                        ),
                        (
                            "source_quote",
                            models.TextField(blank=True, verbose_name="passage du compte rendu"),
                        ),
                        (
                            "done_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="réalisé le"),
                        ),
                        ("reminded_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "responsible",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="membre de l'équipe responsable",
                            ),
                        ),
                        (
                            "source_section",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="reports.reportsection",
                            ),
                        ),
                        (
                            "section",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="entries",
                                to="care_plans.careplansection",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "ligne du plan",
                        "verbose_name_plural": "lignes du plan",
                        "db_table": "reports_careplanentry",
                        "ordering": ["section__position", "position", "pk"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="careplan",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "signed"), _negated=True),
                            models.Q(
                                ("signed_by__isnull", False),
                                ("signed_at__isnull", False),
                                models.Q(("signed_sha256", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="care_plan_signed_has_signature",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="careplandraftjob",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "failed"), _negated=True),
                            models.Q(("error_message", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="care_plan_draft_failure_has_reason",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="careplansection",
                    constraint=models.UniqueConstraint(
                        fields=("care_plan", "key"), name="care_plan_section_key"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="careplanentry",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("origin", "engine"), _negated=True),
                            models.Q(("source_quote", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="care_plan_entry_engine_cites",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="careplanentry",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "follow_up"), _negated=True),
                            ("target_date__isnull", False),
                            _connector="OR",
                        ),
                        name="care_plan_follow_up_has_date",
                    ),
                ),
            ],
        ),
        migrations.RunPython(
            *content_types_follow(
                from_app="reports",
                to_app="care_plans",
                models=["careplan", "careplandraftjob", "careplansection", "careplanentry"],
            )
        ),
    ]
