"""Database triggers: a signed care plan, its sections and its rows' content cannot change
(see reports/care_plan/db_triggers.py)."""

from django.db import migrations

from care_plans import db_triggers


class Migration(migrations.Migration):
    dependencies = [("reports", "0007_care_plan_sharing_retention")]

    operations = [migrations.RunPython(db_triggers.install, db_triggers.uninstall)]
