"""One background-job mechanism (neddie/jobs.py) for every kind of work: the job tables
get stage, progress, attempts, dispatch time and a lease; a care plan's request for
proposals becomes a job of its own (CarePlanDraftJob) instead of four columns on the plan.

Jobs in flight keep going: a running job gets an expired lease, so that the recovery task
queues it again (a transcription waiting on its chunks is left to them), and a queued
care-plan request is sent again (its task changed name)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from care_plans import db_triggers as care_plan_triggers

JOB_TABLES = ("DraftRun", "EditJob", "RenderedDocument", "TranscriptionChunk")


def plan_drafting_to_jobs(apps, schema_editor):
    CarePlan = apps.get_model("reports", "CarePlan")
    CarePlanDraftJob = apps.get_model("reports", "CarePlanDraftJob")
    db = schema_editor.connection.alias
    now = django.utils.timezone.now()
    for plan in CarePlan.objects.using(db).exclude(drafting_status="idle"):
        status = plan.drafting_status
        failed = status == "failed"
        job = CarePlanDraftJob.objects.using(db).create(
            care_plan=plan,
            # A request in flight is queued again: its old task no longer exists.
            status="queued" if status in ("queued", "running") else status,
            progress=100 if status == "done" else 0,
            engine=plan.drafting_engine,
            message="" if failed else plan.drafting_message,
            error_message=(plan.drafting_message or "Échec.") if failed else "",
            requested_by_id=plan.created_by_id,
            finished_at=now if status in ("done", "failed") else None,
        )
        CarePlanDraftJob.objects.using(db).filter(pk=job.pk).update(created_at=plan.updated_at)


def jobs_to_plan_drafting(apps, schema_editor):
    CarePlan = apps.get_model("reports", "CarePlan")
    CarePlanDraftJob = apps.get_model("reports", "CarePlanDraftJob")
    db = schema_editor.connection.alias
    for plan in CarePlan.objects.using(db):
        job = CarePlanDraftJob.objects.using(db).filter(care_plan=plan).order_by("-pk").first()
        if job is None:
            continue
        CarePlan.objects.using(db).filter(pk=plan.pk).update(
            drafting_status=job.status,
            drafting_progress=job.progress,
            drafting_message=job.error_message or job.message,
            drafting_engine=job.engine,
        )


def leases_for_jobs_in_flight(apps, schema_editor):
    db = schema_editor.connection.alias
    now = django.utils.timezone.now()
    for name in JOB_TABLES:
        model = apps.get_model("reports", name)
        # Already sent to the broker in the old world: not sent again unless their worker
        # is gone (an expired lease).
        model.objects.using(db).filter(status="queued").update(dispatched_at=now)
        model.objects.using(db).filter(status="running").update(lease_expires_at=now)
    PipelineJob = apps.get_model("reports", "PipelineJob")
    PipelineJob.objects.using(db).filter(status="queued").update(dispatched_at=now)
    # A running transcription is either cutting its recording (its task is redelivered by
    # the broker) or waiting on its chunks, which now carry the leases.
    PipelineJob.objects.using(db).filter(status="running", chunks__isnull=True).update(
        lease_expires_at=now
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_dossier_open_permission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # SQLite rebuilds the care plan's table to drop its columns, and refuses while the
        # signed-plan triggers name it: they come off here and back at the end.
        migrations.RunPython(care_plan_triggers.uninstall, care_plan_triggers.install),
        migrations.AddField(
            model_name="draftrun",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="tentatives"),
        ),
        migrations.AddField(
            model_name="draftrun",
            name="dispatched_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="draftrun",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="draftrun",
            name="lease_owner",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="draftrun",
            name="progress",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="draftrun",
            name="stage",
            field=models.CharField(blank=True, max_length=120, verbose_name="étape"),
        ),
        migrations.AddField(
            model_name="editjob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="tentatives"),
        ),
        migrations.AddField(
            model_name="editjob",
            name="dispatched_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="editjob",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="editjob",
            name="lease_owner",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="pipelinejob",
            name="dispatched_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="pipelinejob",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="pipelinejob",
            name="lease_owner",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="pipelinejob",
            name="stage",
            field=models.CharField(blank=True, max_length=120, verbose_name="étape"),
        ),
        migrations.AddField(
            model_name="rendereddocument",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="tentatives"),
        ),
        migrations.AddField(
            model_name="rendereddocument",
            name="dispatched_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="rendereddocument",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="rendereddocument",
            name="lease_owner",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="rendereddocument",
            name="progress",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="rendereddocument",
            name="stage",
            field=models.CharField(blank=True, max_length=120, verbose_name="étape"),
        ),
        migrations.AddField(
            model_name="rendereddocument",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="transcriptionchunk",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="transcriptionchunk",
            name="dispatched_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="transcriptionchunk",
            name="error_message",
            field=models.TextField(blank=True, verbose_name="motif de l'échec"),
        ),
        migrations.AddField(
            model_name="transcriptionchunk",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="transcriptionchunk",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="transcriptionchunk",
            name="lease_owner",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="transcriptionchunk",
            name="progress",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="transcriptionchunk",
            name="stage",
            field=models.CharField(blank=True, max_length=120, verbose_name="étape"),
        ),
        migrations.AddField(
            model_name="transcriptionchunk",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="draftrun",
            name="status",
            field=models.CharField(
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
        migrations.AlterField(
            model_name="editjob",
            name="status",
            field=models.CharField(
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
        migrations.AlterField(
            model_name="pipelinejob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="tentatives"),
        ),
        migrations.AlterField(
            model_name="pipelinejob",
            name="progress",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="pipelinejob",
            name="status",
            field=models.CharField(
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
        migrations.AlterField(
            model_name="rendereddocument",
            name="error_message",
            field=models.TextField(blank=True, verbose_name="motif de l'échec"),
        ),
        migrations.AlterField(
            model_name="rendereddocument",
            name="status",
            field=models.CharField(
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
        migrations.AlterField(
            model_name="transcriptionchunk",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="tentatives"),
        ),
        migrations.AlterField(
            model_name="transcriptionchunk",
            name="status",
            field=models.CharField(
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
        migrations.CreateModel(
            name="CarePlanDraftJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
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
                ("stage", models.CharField(blank=True, max_length=120, verbose_name="étape")),
                ("progress", models.PositiveSmallIntegerField(default=0)),
                ("error_message", models.TextField(blank=True, verbose_name="motif de l'échec")),
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
                        to="reports.careplan",
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
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "failed"), _negated=True),
                            models.Q(("error_message", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="care_plan_draft_failure_has_reason",
                    )
                ],
            },
        ),
        migrations.RunPython(plan_drafting_to_jobs, jobs_to_plan_drafting),
        migrations.RemoveField(
            model_name="careplan",
            name="drafting_engine",
        ),
        migrations.RemoveField(
            model_name="careplan",
            name="drafting_message",
        ),
        migrations.RemoveField(
            model_name="careplan",
            name="drafting_progress",
        ),
        migrations.RemoveField(
            model_name="careplan",
            name="drafting_status",
        ),
        migrations.RunPython(leases_for_jobs_in_flight, migrations.RunPython.noop),
        migrations.RunPython(care_plan_triggers.install, care_plan_triggers.uninstall),
    ]
