"""The access and audit log: who read or changed what, when, and from where.

Append-only: the database refuses any update, and any delete outside whole-database
maintenance (migration 0002). Rows hold ids and labels, never patient text."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        READ = "read", _("lecture")
        CREATE = "create", _("création")
        UPDATE = "update", _("modification")
        TRANSITION = "transition", _("changement de statut")
        EXPORT = "export", _("export")
        DELETE = "delete", _("suppression")
        LOGIN = "login", _("connexion")
        LOGIN_FAILED = "login_failed", _("échec de connexion")
        LOGOUT = "logout", _("déconnexion")

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    # No foreign key: the log outlives accounts, and nothing in it may cascade.
    user_id = models.BigIntegerField(_("id utilisateur"), null=True, blank=True, db_index=True)
    username = models.CharField(_("utilisateur"), max_length=150, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    # What was touched: a model label ("report", "recording"…) and its id.
    object_type = models.CharField(_("objet"), max_length=40, db_index=True)
    object_id = models.CharField(_("id de l'objet"), max_length=40, blank=True, db_index=True)
    dossier_id = models.BigIntegerField(_("dossier"), null=True, blank=True, db_index=True)
    # What was done, in a few words without patient text ("texte de la section 3").
    detail = models.CharField(_("détail"), max_length=300, blank=True)
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField(_("adresse"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("événement d'accès")
        verbose_name_plural = _("journal d'accès")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.username or '?'} · {self.get_action_display()} · {self.object_type}"
