"""The documents app takes over its models from ``reports``, on the tables they already have
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
        ("care_plans", "0001_initial"),
        ("reports", "0010_background_jobs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (``db_table``); only Django's view of them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="RenderedDocument",
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
                            "audience",
                            models.CharField(
                                choices=[
                                    ("team", "équipe de soins (avec transcriptions en annexe)"),
                                    ("recipient", "destinataires (sans transcriptions)"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "file",
                            models.FileField(blank=True, max_length=255, upload_to="documents/"),
                        ),
                        ("sha256", models.CharField(blank=True, max_length=64)),
                        ("size_bytes", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("pages", models.PositiveIntegerField(blank=True, null=True)),
                        ("seconds", models.FloatField(blank=True, null=True)),
                        (
                            "care_plan",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="care_plans.careplan",
                            ),
                        ),
                        (
                            "report",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="documents",
                                to="reports.report",
                            ),
                        ),
                        (
                            "requested_by",
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
                        "verbose_name": "document PDF",
                        "verbose_name_plural": "documents PDF",
                        "db_table": "reports_rendereddocument",
                        "ordering": ["-created_at", "-pk"],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            *content_types_follow(
                from_app="reports", to_app="documents", models=["rendereddocument"]
            )
        ),
    ]
