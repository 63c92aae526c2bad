"""A report structure with a synthesis, recommendations and the default protocol's
care-plan sections, and a report written in it (synthetic text), validated or signed."""

from dossiers import services
from dossiers.models import DossierMember
from reports.models import Report
from reports.review.services import report_transition
from reports.services import report_draft_ensure
from tests.protocol_files import import_published

CARE_PLAN_PROTOCOL = """
format: neddie-protocol/1
slug: bilan-plan-test
title: Bilan avec plan de test
scope: report
version:
  source_status: synthesis
  sources: [Synthèse écrite pour les tests]
  sections:
    - key: motif
      title: Motif de la demande
      guidance: Pour les tests.
    - key: synthese
      title: Synthèse
      guidance: Pour les tests.
    - key: recommandations
      title: Recommandations
      guidance: Pour les tests.
    - key: plan-identification
      title: Identification du plan et participants
      kind: care_plan
      guidance: Pour les tests.
    - key: plan-besoins
      title: Besoins prioritaires
      kind: care_plan
      guidance: Pour les tests.
    - key: plan-objectifs
      title: Objectifs fonctionnels
      kind: care_plan
      guidance: Pour les tests.
    - key: plan-interventions
      title: Interventions
      kind: care_plan
      guidance: Pour les tests.
    - key: plan-scolarite
      title: Scolarité
      kind: care_plan
      guidance: Pour les tests.
    - key: plan-demarches
      title: Démarches administratives
      kind: care_plan
      guidance: Pour les tests.
    - key: plan-bilans
      title: Bilans complémentaires à programmer
      kind: care_plan
      guidance: Pour les tests.
    - key: plan-suivi
      title: Suivi et réévaluation
      kind: care_plan
      guidance: Pour les tests.
    - key: plan-coordination
      title: Coordination et partage
      kind: care_plan
      guidance: Pour les tests.
"""

REPORT_TEXT = {
    "motif": "Les parents consultent pour un retard de parole à 4 ans.",
    "synthese": (
        "Le bilan met en évidence un retard de langage oral important, en expression surtout. "
        "Les interactions sociales sont limitées avec les pairs."
    ),
    "recommandations": (
        "Nous recommandons une rééducation orthophonique, deux séances par semaine, en "
        "téléconsultation, dans le cadre du forfait précoce PCO.\n\n"
        "- Une guidance parentale est proposée aux parents.\n"
        "- Un PAP sera demandé à l'école.\n\n"
        "Une réévaluation est prévue dans 6 mois avec la famille."
    ),
}


def care_plan_dossier(alice, charlie):
    protocol = import_published(CARE_PLAN_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    services.dossier_member_add(dossier=dossier, user=charlie, role=DossierMember.Role.COORDINATOR)
    return dossier


def written_report(alice, charlie) -> Report:
    """A draft report whose sections hold REPORT_TEXT (set directly: how it was written is
    the editor's business, tested elsewhere)."""
    report = report_draft_ensure(dossier=care_plan_dossier(alice, charlie))
    for key, body in REPORT_TEXT.items():
        report.sections.filter(key=key).update(body=body)
    return report


def validated_report(alice, charlie) -> Report:
    report = written_report(alice, charlie)
    report_transition(report=report, name="submit", user=alice)
    report_transition(report=report, name="approve", user=charlie)
    report.refresh_from_db()
    assert report.status == Report.Status.VALIDATED
    return report


def signed_report(alice, charlie) -> Report:
    report = validated_report(alice, charlie)
    return report_transition(report=report, name="sign", user=alice)


# A synthesis and two care-plan sections: added to a dossier whose report grid is another
# protocol (a protocol needs at least one report section).
CARE_PLAN_SECTIONS_PROTOCOL = """
format: neddie-protocol/1
slug: plan-test
title: Plan d'interventions de test
scope: report
version:
  source_status: synthesis
  sources: [Synthèse écrite pour les tests]
  sections:
    - key: synthese
      title: Synthèse
      guidance: Pour les tests.
    - key: plan-interventions
      title: Interventions
      kind: care_plan
      guidance: Pour les tests.
    - key: plan-suivi
      title: Suivi et réévaluation
      kind: care_plan
      guidance: Pour les tests.
"""
