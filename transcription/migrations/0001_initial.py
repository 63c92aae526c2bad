"""The transcription app takes over its models from ``reports``, on the tables they already have
(``reports_*``): the state moves, the database does not, and the content types follow."""

import django.db.models.deletion
import transcription.models
from django.db import migrations, models

from neddie.moved_models import content_types_follow


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reports", "0010_background_jobs"),
        ("dossiers", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (``db_table``); only Django's view of them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="PipelineJob",
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
                            "kind",
                            models.CharField(
                                choices=[("transcription", "transcription")],
                                default="transcription",
                                max_length=20,
                            ),
                        ),
                        (
                            "recording",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="jobs",
                                to="dossiers.recording",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "traitement",
                        "verbose_name_plural": "traitements",
                        "db_table": "reports_pipelinejob",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Transcript",
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
                        ("language", models.CharField(max_length=8, verbose_name="langue")),
                        ("engine", models.CharField(max_length=40, verbose_name="moteur")),
                        ("model_name", models.CharField(max_length=120, verbose_name="modèle")),
                        ("duration_seconds", models.FloatField(verbose_name="durée (s)")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "recording",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="transcript",
                                to="dossiers.recording",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "transcription",
                        "verbose_name_plural": "transcriptions",
                        "db_table": "reports_transcript",
                    },
                ),
                migrations.CreateModel(
                    name="Segment",
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
                        ("index", models.PositiveIntegerField()),
                        ("start", models.FloatField(verbose_name="début (s)")),
                        ("end", models.FloatField(verbose_name="fin (s)")),
                        ("text", models.TextField(verbose_name="texte")),
                        (
                            "speaker",
                            models.CharField(
                                default="inconnu", max_length=40, verbose_name="locuteur"
                            ),
                        ),
                        (
                            "confidence",
                            models.FloatField(blank=True, null=True, verbose_name="confiance"),
                        ),
                        (
                            "low_confidence",
                            models.BooleanField(
                                default=False, verbose_name="transcription incertaine"
                            ),
                        ),
                        ("words", models.JSONField(blank=True, default=list)),
                        (
                            "transcript",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="segments",
                                to="transcription.transcript",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "segment",
                        "db_table": "reports_segment",
                        "ordering": ["transcript", "index"],
                    },
                ),
                migrations.CreateModel(
                    name="TranscriptionChunk",
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
                        ("index", models.PositiveIntegerField()),
                        ("channel", models.PositiveSmallIntegerField(default=0)),
                        ("speaker", models.CharField(max_length=40)),
                        ("start_seconds", models.FloatField()),
                        ("end_seconds", models.FloatField()),
                        (
                            "audio",
                            models.FileField(
                                blank=True,
                                max_length=255,
                                upload_to=transcription.models._chunk_path,
                            ),
                        ),
                        ("segments", models.JSONField(blank=True, default=list)),
                        ("language", models.CharField(blank=True, max_length=8)),
                        ("engine", models.CharField(blank=True, max_length=40)),
                        ("model_name", models.CharField(blank=True, max_length=120)),
                        (
                            "job",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="chunks",
                                to="transcription.pipelinejob",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reports_transcriptionchunk",
                        "ordering": ["job", "index", "channel"],
                    },
                ),
                migrations.CreateModel(
                    name="Utterance",
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
                        ("index", models.PositiveIntegerField()),
                        ("text", models.TextField()),
                        ("start", models.FloatField()),
                        ("end", models.FloatField()),
                        (
                            "segment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="transcription.segment",
                            ),
                        ),
                        (
                            "transcript",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="utterances",
                                to="transcription.transcript",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reports_utterance",
                        "ordering": ["transcript", "index"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="pipelinejob",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("progress__lte", 100)), name="job_progress_max_100"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="pipelinejob",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "failed"), _negated=True),
                            models.Q(("error_message", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="job_failure_has_reason",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="segment",
                    constraint=models.UniqueConstraint(
                        fields=("transcript", "index"), name="segment_index_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="segment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("start__gte", 0), ("end__gte", models.F("start"))),
                        name="segment_times_ordered",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="transcriptionchunk",
                    constraint=models.UniqueConstraint(
                        fields=("job", "index", "channel"), name="transcription_chunk_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="utterance",
                    constraint=models.UniqueConstraint(
                        fields=("transcript", "index"), name="utterance_index_unique"
                    ),
                ),
            ],
        ),
        migrations.RunPython(
            *content_types_follow(
                from_app="reports",
                to_app="transcription",
                models=["transcript", "segment", "pipelinejob", "transcriptionchunk", "utterance"],
            )
        ),
    ]
