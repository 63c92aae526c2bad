"""The drafting app takes over its models from ``reports``, on the tables they already have
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
        ("reports", "0010_background_jobs"),
        ("transcription", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (``db_table``); only Django's view of them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="DraftRun",
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
                        ("engine", models.CharField(blank=True, max_length=40)),
                        ("model_name", models.CharField(blank=True, max_length=200)),
                        ("prompt_version", models.CharField(blank=True, max_length=40)),
                        ("protocol_versions", models.JSONField(blank=True, default=list)),
                        ("sources", models.JSONField(blank=True, default=dict)),
                        (
                            "fallback_reason",
                            models.TextField(
                                blank=True, verbose_name="rédaction sans modèle : motif"
                            ),
                        ),
                        ("seconds", models.JSONField(blank=True, default=dict)),
                        ("prompt_tokens", models.PositiveIntegerField(default=0)),
                        ("completion_tokens", models.PositiveIntegerField(default=0)),
                        (
                            "report",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="runs",
                                to="reports.report",
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
                        "verbose_name": "rédaction",
                        "db_table": "reports_draftrun",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Contradiction",
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
                        ("reason", models.CharField(max_length=200)),
                        (
                            "first",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="transcription.utterance",
                            ),
                        ),
                        (
                            "item",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="reports.reportitem",
                            ),
                        ),
                        (
                            "second",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="transcription.utterance",
                            ),
                        ),
                        (
                            "section",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="contradictions",
                                to="reports.reportsection",
                            ),
                        ),
                        (
                            "run",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="contradictions",
                                to="drafting.draftrun",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reports_contradiction",
                        "ordering": ["run", "section"],
                    },
                ),
                migrations.CreateModel(
                    name="EditJob",
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
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("draft", "brouillon"),
                                    ("expand", "développer"),
                                    ("shorten", "réduire"),
                                    ("rephrase", "reformuler"),
                                    ("regenerate", "régénérer"),
                                    ("clinician", "saisie du clinicien"),
                                    ("undo", "annulation"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("selection", models.JSONField(blank=True, default=list)),
                        (
                            "based_on",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="reports.sectionversion",
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
                        (
                            "result",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="reports.sectionversion",
                            ),
                        ),
                        (
                            "section",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="edit_jobs",
                                to="reports.reportsection",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "modification par IA",
                        "db_table": "reports_editjob",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="RoutedEvidence",
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
                        ("score", models.FloatField()),
                        ("similarity", models.FloatField()),
                        ("keywords", models.JSONField(blank=True, default=list)),
                        (
                            "item",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="reports.reportitem",
                            ),
                        ),
                        (
                            "run",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="evidence",
                                to="drafting.draftrun",
                            ),
                        ),
                        (
                            "section",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="evidence",
                                to="reports.reportsection",
                            ),
                        ),
                        (
                            "utterance",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="transcription.utterance",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reports_routedevidence",
                        "ordering": ["run", "section", "-score"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="draftrun",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "failed"), _negated=True),
                            models.Q(("error_message", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="draft_run_failure_has_reason",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="editjob",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("progress__lte", 100)), name="edit_job_progress_max"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="editjob",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "failed"), _negated=True),
                            models.Q(("error_message", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="edit_job_failure_has_reason",
                    ),
                ),
            ],
        ),
        migrations.RunPython(
            *content_types_follow(
                from_app="reports",
                to_app="drafting",
                models=["draftrun", "editjob", "routedevidence", "contradiction"],
            )
        ),
    ]
