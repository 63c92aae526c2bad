"""Who created and published a version becomes immutable with it (triggers reinstalled)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from protocols import db_triggers


class Migration(migrations.Migration):

    dependencies = [
        ('protocols', '0005_version_vocabulary'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(db_triggers.uninstall, db_triggers.install),
        migrations.AlterField(
            model_name='historicalprotocolversion',
            name='created_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='créée par'),
        ),
        migrations.AlterField(
            model_name='protocolversion',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='créée par'),
        ),
        migrations.AlterField(
            model_name='protocolversion',
            name='published_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='publiée par'),
        ),
        migrations.RunPython(db_triggers.install, db_triggers.install),
    ]
