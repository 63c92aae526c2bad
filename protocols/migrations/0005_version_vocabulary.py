"""Adds the version's vocabulary, which is content: the immutability triggers are dropped
around the change (SQLite rebuilds the table to add the column) and reinstalled to cover
the new column."""

from django.db import migrations, models

from protocols import db_triggers

class Migration(migrations.Migration):

    dependencies = [
        ('protocols', '0004_verbose_names'),
    ]

    operations = [
        migrations.RunPython(db_triggers.uninstall, db_triggers.install),
        migrations.AddField(
            model_name='historicalprotocolversion',
            name='vocabulary',
            field=models.TextField(blank=True, help_text='Termes à bien orthographier dans les transcriptions (outils, professions, signes), un par ligne : ils sont donnés au modèle de reconnaissance vocale.', verbose_name='vocabulaire'),
        ),
        migrations.AddField(
            model_name='protocolversion',
            name='vocabulary',
            field=models.TextField(blank=True, help_text='Termes à bien orthographier dans les transcriptions (outils, professions, signes), un par ligne : ils sont donnés au modèle de reconnaissance vocale.', verbose_name='vocabulaire'),
        ),
        migrations.RunPython(db_triggers.install, db_triggers.uninstall),
    ]
