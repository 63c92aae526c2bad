"""The default protocol shipped with neddie: the sections of a TND diagnostic report.

Section order is a synthesis (../shared/protocols/TND-GRID.md, C.3) built from HAS 2018
(autism), HAS 2020 (TND screening), the 2024 national booklet and the PCO referral form;
it is not an official text. The protocol-grid work replaces this with versioned grids.
"""

DEFAULT_PROTOCOLS = [
    {
        "slug": "bilan-tnd",
        "title": "Bilan diagnostique TND (structure générale)",
        "description": (
            "Structure générale d'un compte rendu de bilan diagnostique de trouble du "
            "neurodéveloppement. Synthèse des recommandations HAS 2018, HAS 2020 et du livret "
            "de repérage 2024 ; ordre des sections proposé, non officiel."
        ),
        "sections": [
            (
                "identification",
                "Identification et cadre",
                "Enfant (initiales, date de naissance, âge), représentants légaux, médecin "
                "adresseur, dates et modalités des séances, participants, consentement à "
                "l'enregistrement.",
            ),
            (
                "motif",
                "Motif de la demande",
                "Qui s'inquiète (parents, crèche, école) et de quoi ; signes relevés, "
                "orientation antérieure.",
            ),
            (
                "anamnese",
                "Anamnèse",
                "Grossesse, naissance et période néonatale ; antécédents médicaux personnels "
                "et familiaux ; environnement, mode de garde et scolarité.",
            ),
            (
                "developpement",
                "Développement psychomoteur",
                "Acquisitions par domaine (motricité globale et fine, langage, socialisation, "
                "cognition), régression éventuelle, autonomie actuelle.",
            ),
            (
                "bilans-anterieurs",
                "Bilans et interventions antérieurs ou en cours",
                "ORL, ophtalmologie, orthophonie, psychomotricité, ergothérapie, "
                "neuropsychologie : dates, conclusions, suivis en cours.",
            ),
            (
                "observations",
                "Observations cliniques",
                "Par séance : interaction et contact visuel, attention conjointe, "
                "communication verbale et non verbale, jeu, comportements répétitifs, "
                "particularités sensorielles, régulation émotionnelle, attention.",
            ),
            (
                "evaluations",
                "Évaluations standardisées",
                "Par outil : nom et version, date, évaluateur, informant, scores et "
                "interprétation (ADOS-2, ADI-R, Vineland, WISC-V…).",
            ),
            (
                "synthese",
                "Synthèse clinique par domaine",
                "Communication et langage, interactions sociales, cognition, sensoriel et "
                "moteur, émotions et comportement, somatique, autonomie, apprentissages.",
            ),
            (
                "conclusion",
                "Conclusion diagnostique",
                "Diagnostic(s) retenu(s) avec critères et codes CIM, diagnostics "
                "différentiels écartés, comorbidités, incertitudes et date de réévaluation.",
            ),
            (
                "recommandations",
                "Recommandations",
                "Interventions, guidance parentale, aménagements scolaires, examens "
                "complémentaires, orientation, démarches MDPH.",
            ),
            (
                "restitution",
                "Restitution et diffusion",
                "Date de la restitution à la famille, destinataires avec l'accord du "
                "représentant légal, signatures.",
            ),
        ],
    },
]
