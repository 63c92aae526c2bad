"""Opening a dossier is a permission an admin grants ("reports.open_dossier"), held by the
group « Cliniciens ». Every account that is already the clinician of a dossier joins the
group, so nothing changes for them; coordinators and external members never held the right."""

from django.db import migrations

GROUP_NAME = "Cliniciens"
CODENAME = "open_dossier"
PERMISSION_NAME = "Peut ouvrir un dossier"


def grant_to_clinicians(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    DossierMember = apps.get_model("reports", "DossierMember")
    db = schema_editor.connection.alias

    # Permissions are otherwise created after all migrations (post_migrate); the group
    # needs this one now. post_migrate then finds it and leaves it alone.
    content_type, _ = ContentType.objects.using(db).get_or_create(
        app_label="reports", model="dossier"
    )
    permission, _ = Permission.objects.using(db).get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": PERMISSION_NAME}
    )
    group, _ = Group.objects.using(db).get_or_create(name=GROUP_NAME)
    group.permissions.add(permission)
    clinician_ids = (
        DossierMember.objects.using(db)
        .filter(role="clinician")
        .values_list("user_id", flat=True)
        .distinct()
    )
    group.user_set.add(*clinician_ids)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    Group.objects.using(db).filter(name=GROUP_NAME).delete()
    Permission.objects.using(db).filter(
        content_type__app_label="reports", codename=CODENAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0008_signed_care_plans_immutable"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="dossier",
            options={
                "ordering": ["-created_at"],
                "permissions": [("open_dossier", "Peut ouvrir un dossier")],
                "verbose_name": "dossier",
                "verbose_name_plural": "dossiers",
            },
        ),
        migrations.RunPython(grant_to_clinicians, revoke),
    ]
