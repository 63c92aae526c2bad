"""Protocol files for tests, imported and published as an admin would."""

from protocols.services import protocol_import

REPORT_PROTOCOL = """
format: neddie-protocol/1
slug: bilan-test
title: Bilan de test
scope: report
version:
  source_status: synthesis
  sources: [Synthèse écrite pour les tests]
  sections:
    - key: motif
      title: Motif de la demande
      guidance: Qui s'inquiète, et de quoi.
    - key: anamnese
      title: Anamnèse
      guidance: Grossesse, naissance, antécédents.
    - key: conclusion
      title: Conclusion
      guidance: Diagnostic retenu et recommandations.
"""

# Two domains, two age bands (24-36 and 48-60 months), one item for every age, and the
# booklet's rules: 2 signs in 2 domains before 48 months, 3 signs in 2 domains after.
SCREENING_PROTOCOL = """
format: neddie-protocol/1
slug: reperage-test
title: Repérage de test
scope: screening
version:
  source_status: synthesis
  sources: [Synthèse écrite pour les tests]
  sections:
    - key: langage
      title: Langage oral
      items:
        - {key: dix-mots-24m, label: Plus de 10 mots, hint: Vocabulaire, role: milestone,
           age_months: [24, 36]}
        - {key: deux-mots-24m, label: Associe deux mots, hint: Combinaisons, role: milestone,
           age_months: [24, 36]}
        - {key: pourquoi-48m, label: Pose des questions « pourquoi », hint: Questions,
           role: milestone, age_months: [48, 60]}
        - {key: conjugue-48m, label: Conjugue au présent, hint: Verbes, role: milestone,
           age_months: [48, 60]}
    - key: socialisation
      title: Socialisation
      items:
        - {key: faire-semblant-24m, label: Jeu de faire semblant, hint: Imitation,
           role: milestone, age_months: [24, 36]}
        - {key: attend-tour-48m, label: Attend son tour, hint: Jeux, role: milestone,
           age_months: [48, 60]}
        - {key: regression, label: Régression des acquisitions, hint: Perte d'acquis,
           role: regression}
  rules:
    - {key: pco-0-3, kind: sign_count, age_months: [0, 48], min_signs: 2, min_domains: 2,
       message: Orienter vers la PCO.}
    - {key: pco-4-6, kind: sign_count, age_months: [48, 84], min_signs: 3, min_domains: 2,
       message: Orienter vers la PCO.}
    - {key: regression-urgence, kind: any_regression, urgency: urgent,
       message: Adresser en urgence.}
"""


def import_published(content: str):
    return protocol_import(content=content, publish=True).version
