# The retention job records the deletion of audio as such.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_read_label"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("read", "lecture"),
                    ("create", "création"),
                    ("update", "modification"),
                    ("transition", "changement de statut"),
                    ("export", "export"),
                    ("delete", "suppression"),
                    ("login", "connexion"),
                    ("login_failed", "échec de connexion"),
                    ("logout", "déconnexion"),
                ],
                db_index=True,
                max_length=20,
                verbose_name="action",
            ),
        ),
    ]
