"""The sharing app takes over its models from ``reports``, on the tables they already have
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
        ("reports", "0011_models_move_to_their_apps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (``db_table``); only Django's view of them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Share",
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
                            "message",
                            models.TextField(blank=True, verbose_name="message au destinataire"),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "expires_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="accès jusqu'au"
                            ),
                        ),
                        (
                            "revoked_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="révoqué le"),
                        ),
                        ("notified_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "granted_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="shares_granted",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="shares_received",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="destinataire",
                            ),
                        ),
                        (
                            "report",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="shares",
                                to="reports.report",
                            ),
                        ),
                        (
                            "revoked_by",
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
                        "verbose_name": "partage",
                        "verbose_name_plural": "partages",
                        "db_table": "reports_share",
                        "ordering": ["-created_at", "-pk"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("revoked_at__isnull", True)),
                                fields=("report", "recipient"),
                                name="share_one_live_per_recipient",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("revoked_at__isnull", True),
                                    ("revoked_by__isnull", False),
                                    _connector="OR",
                                ),
                                name="share_revocation_has_author",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            *content_types_follow(from_app="reports", to_app="sharing", models=["share"])
        ),
    ]
