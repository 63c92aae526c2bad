"""Proposing care-plan rows from a validated report's sentences: what the rules read in the
report's own words, what the model may add, and that every row cites its sentence."""

from care_plans.drafting import Passage, draft_plan, rules_proposals
from care_plans.models import CarePlanEntry, Domain
from drafting.llm import LLMError
from tests.drafting.support import ScriptedLLM

Kind = CarePlanEntry.Kind

SYNTHESIS = [
    "Le bilan met en évidence un retard de langage oral important, en expression surtout.",
    "Les interactions sociales sont limitées avec les pairs, le regard est fuyant.",
    "La motricité fine reste fragile, le graphisme est difficile.",
]
RECOMMENDATIONS = [
    "Nous recommandons une rééducation orthophonique, deux séances par semaine, "
    "en cabinet ou en téléconsultation, dans le cadre du forfait précoce PCO.",
    "Un bilan psychomoteur est préconisé, puis une prise en charge en psychomotricité.",
    "Une guidance parentale est proposée aux parents.",
    "Un PAP sera demandé à l'école, et un dossier MDPH pour l'AEEH.",
    "Une consultation de génétique et un bilan ORL sont à programmer.",
    "Une réévaluation est prévue dans 6 mois avec la famille.",
    "L'objectif est de développer la communication fonctionnelle à la maison.",
]


def passages(sentences, section="recommandations"):
    return [
        Passage(id=f"P{i}", section_key=section, section_title=section.title(), text=text)
        for i, text in enumerate(sentences, start=1)
    ]


def by_kind(proposals, kind):
    return [p for p in proposals if p.kind == kind]


def test_needs_are_read_from_the_synthesis_with_their_domain_and_order():
    proposals = rules_proposals(passages(SYNTHESIS, "synthese"))
    needs = by_kind(proposals, Kind.NEED)
    assert [n.domain for n in needs] == [Domain.COMMUNICATION, Domain.SOCIAL, Domain.SENSORIMOTOR]
    assert [n.cites for n in needs] == [("P1",), ("P2",), ("P3",)]


def test_interventions_carry_type_frequency_place_and_funding_from_the_sentence():
    proposals = rules_proposals(passages(RECOMMENDATIONS))
    speech = next(p for p in by_kind(proposals, Kind.INTERVENTION) if p.cites == ("P1",))
    assert speech.intervention_type == CarePlanEntry.InterventionType.SPEECH
    assert speech.frequency == "deux séances par semaine"
    assert speech.place == CarePlanEntry.Place.TELECONSULTATION
    assert speech.funding == CarePlanEntry.Funding.EARLY_PACKAGE
    types = {p.intervention_type for p in by_kind(proposals, Kind.INTERVENTION)}
    assert CarePlanEntry.InterventionType.PARENT_TRAINING in types
    assert CarePlanEntry.InterventionType.PSYCHOMOTOR in types


def test_school_steps_assessments_and_follow_up_are_proposed_with_their_sentence():
    proposals = rules_proposals(passages(RECOMMENDATIONS))
    assert [p.school_measure for p in by_kind(proposals, Kind.SCHOOL)] == [
        CarePlanEntry.SchoolMeasure.PAP
    ]
    # "Un bilan psychomoteur est préconisé" is an assessment to schedule, too.
    assert [p.cites for p in by_kind(proposals, Kind.ASSESSMENT)] == [("P2",), ("P5",)]
    follow_up = by_kind(proposals, Kind.FOLLOW_UP)
    assert [(f.cites, f.due_in_months) for f in follow_up] == [(("P6",), 6)]
    assert [g.domain for g in by_kind(proposals, Kind.GOAL)] == [Domain.COMMUNICATION]


def test_every_proposal_cites_a_sentence_it_was_given():
    given = passages(SYNTHESIS, "synthese") + [
        Passage(id=f"R{i}", section_key="recommandations", section_title="R", text=t)
        for i, t in enumerate(RECOMMENDATIONS)
    ]
    ids = {p.id for p in given}
    proposals = draft_plan(given, llm=None).proposals
    assert proposals
    assert all(p.cites and set(p.cites) <= ids for p in proposals)


def test_small_talk_and_neutral_sentences_propose_nothing():
    quiet = passages(
        [
            "La famille est arrivée à l'heure et l'enfant a dit bonjour.",
            "Le compte rendu a été relu avec les parents.",
        ]
    )
    assert rules_proposals(quiet) == []


def test_the_model_adds_goals_citing_the_sentences_it_was_shown():
    given = passages(SYNTHESIS, "synthese")
    llm = ScriptedLLM(
        [
            {
                "proposals": [
                    {
                        "kind": "goal",
                        "text": "Enrichir l'expression orale dans les routines de la maison.",
                        "cites": ["P1"],
                        "domain": "communication",
                    }
                ]
            }
        ]
    )
    result = draft_plan(given, llm=llm)
    goals = by_kind(result.proposals, Kind.GOAL)
    assert [(g.text, g.cites, g.origin_note) for g in goals] == [
        ("Enrichir l'expression orale dans les routines de la maison.", ("P1",), "modèle")
    ]
    # The model was shown the sentences as quoted data, and may cite only their ids.
    assert "[P1]" in llm.prompt_text()
    cites = llm.calls[0]["schema"]["properties"]["proposals"]["items"]["properties"]["cites"]
    assert cites["items"]["enum"] == ["P1", "P2", "P3"]
    assert "scripted" in result.engine


def test_model_proposals_the_report_does_not_justify_are_set_aside():
    given = passages(SYNTHESIS, "synthese")
    llm = ScriptedLLM(
        [
            {
                "proposals": [
                    # A number the cited sentence does not contain.
                    {
                        "kind": "goal",
                        "text": "Dire 50 mots en 3 mois.",
                        "cites": ["P1"],
                        "domain": "communication",
                    },
                    # An intervention the cited sentence never names.
                    {
                        "kind": "intervention",
                        "text": "Ergothérapie.",
                        "cites": ["P2"],
                        "domain": "social",
                        "intervention_type": "ergotherapie",
                    },
                ]
            }
        ]
    )
    result = draft_plan(given, llm=llm)
    assert by_kind(result.proposals, Kind.GOAL) == []
    assert by_kind(result.proposals, Kind.INTERVENTION) == []
    assert "2 proposition(s) du modèle écartée(s)" in result.message


def test_a_failing_or_garbled_model_leaves_the_rules_proposals_and_says_why():
    given = passages(RECOMMENDATIONS)
    for answer in (LLMError("délai dépassé"), "{pas du json"):
        result = draft_plan(given, llm=ScriptedLLM([answer]))
        assert by_kind(result.proposals, Kind.INTERVENTION)
        assert "Le modèle n'a pas donné de propositions exploitables" in result.message


def test_a_model_proposal_repeating_a_rule_on_the_same_sentence_is_not_doubled():
    given = passages(RECOMMENDATIONS[:1])
    llm = ScriptedLLM(
        [
            {
                "proposals": [
                    {
                        "kind": "intervention",
                        "text": "Orthophonie deux séances par semaine.",
                        "cites": ["P1"],
                        "domain": "communication",
                        "intervention_type": "orthophonie",
                    }
                ]
            }
        ]
    )
    result = draft_plan(given, llm=llm)
    assert len(by_kind(result.proposals, Kind.INTERVENTION)) == 1


def test_a_model_repeating_itself_gives_one_row_and_the_grammar_caps_its_rows():
    given = passages(SYNTHESIS, "synthese")
    goal = {
        "kind": "goal",
        "text": "Enrichir l'expression orale à la maison.",
        "cites": ["P1"],
        "domain": "communication",
    }
    llm = ScriptedLLM([{"proposals": [goal, goal, goal]}])
    result = draft_plan(given, llm=llm)
    assert len(by_kind(result.proposals, Kind.GOAL)) == 1
    assert llm.calls[0]["schema"]["properties"]["proposals"]["maxItems"] == 6


def test_a_model_row_overlapping_a_rule_row_of_its_kind_is_not_proposed_twice():
    given = passages(RECOMMENDATIONS[:2])
    llm = ScriptedLLM(
        [
            {
                "proposals": [
                    {
                        "kind": "intervention",
                        "text": "Orthophonie, deux séances par semaine.",
                        "cites": ["P1", "P2"],
                        "domain": "communication",
                        "intervention_type": "orthophonie",
                    }
                ]
            }
        ]
    )
    interventions = by_kind(draft_plan(given, llm=llm).proposals, Kind.INTERVENTION)
    assert [p.cites for p in interventions] == [("P1",), ("P2",)]
