"""Protocol grids: the ordered report sections a report is drafted along.

The foundation keeps a protocol to its ordered sections; versioning, items and decision
rules come with the protocol-grid work.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Protocol(models.Model):
    slug = models.SlugField(_("identifiant"), unique=True)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("proposé aux cliniciens"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("protocole")
        verbose_name_plural = _("protocoles")

    def __str__(self) -> str:
        return self.title


class ProtocolSection(models.Model):
    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(_("clé"))
    title = models.CharField(_("titre"), max_length=200)
    guidance = models.TextField(
        _("ce que la section doit contenir"),
        blank=True,
        help_text=_("Consigne de rédaction : ce que le clinicien ou le brouillon y décrit."),
    )
    position = models.PositiveIntegerField(_("ordre"))

    class Meta:
        ordering = ["protocol", "position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["protocol", "key"], name="protocol_section_key_unique"),
            models.UniqueConstraint(
                fields=["protocol", "position"], name="protocol_section_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title
