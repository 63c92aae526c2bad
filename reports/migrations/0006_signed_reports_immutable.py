"""Database triggers: a signed report, and everything it is made of, cannot change (see
reports/db_triggers.py). Needs protocols_purge_allowed (protocols 0002) for its escape
hatch."""

from django.db import migrations

from reports import db_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("protocols", "0002_immutable_published_versions"),
        ("reports", "0005_review_workflow"),
    ]

    operations = [migrations.RunPython(db_triggers.install, db_triggers.uninstall)]
