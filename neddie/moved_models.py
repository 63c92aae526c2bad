"""Moving models from one app to another without touching their tables (migrations use
it): the models' content types follow them, so the permissions granted on them (groups,
accounts) and anything else that names a content type keep pointing at the same models."""

from collections.abc import Callable, Iterable


def content_types_follow(
    *, from_app: str, to_app: str, models: Iterable[str]
) -> tuple[Callable, Callable]:
    """RunPython's (forward, backward) pair that relabels the content types of ``models``
    (lower-case model names) from ``from_app`` to ``to_app``, and back. Where the new
    label already exists (the app was migrated once, its content types made by Django),
    the old one's permissions move over to it and the old one goes."""
    names = tuple(models)

    def relabel(apps, schema_editor, source: str, target: str) -> None:
        ContentType = apps.get_model("contenttypes", "ContentType")
        Permission = apps.get_model("auth", "Permission")
        db = schema_editor.connection.alias
        for name in names:
            old = ContentType.objects.using(db).filter(app_label=source, model=name).first()
            if old is None:
                continue  # a new database: Django makes the content types after migrating
            new = ContentType.objects.using(db).filter(app_label=target, model=name).first()
            if new is None:
                old.app_label = target
                old.save(update_fields=["app_label"])
                continue
            taken = set(
                Permission.objects.using(db)
                .filter(content_type=new)
                .values_list("codename", flat=True)
            )
            Permission.objects.using(db).filter(content_type=old).exclude(
                codename__in=taken
            ).update(content_type=new)
            old.delete()

    def forward(apps, schema_editor) -> None:
        relabel(apps, schema_editor, from_app, to_app)

    def backward(apps, schema_editor) -> None:
        relabel(apps, schema_editor, to_app, from_app)

    return forward, backward
