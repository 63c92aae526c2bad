"""The "Éditeurs de protocoles" group: staff in it may edit protocol grids and publish
versions. Other staff (and clinicians, who are not staff) cannot change protocols."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Éditeurs de protocoles"
MODELS = ["protocol", "protocolversion", "protocolsection", "protocolitem", "decisionrule"]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations: make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]
    codenames.append("publish_protocolversion")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="protocols", codename__in=codenames)
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("protocols", "0002_immutable_published_versions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
