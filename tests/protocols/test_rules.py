"""Decision rules on hand-made answer sets: the booklet's thresholds by age band."""

import datetime

import pytest

from dossiers import services as report_services
from protocols.models import Protocol, ProtocolItem
from protocols.rules import evaluate_rules
from protocols.services import protocols_load_defaults, version_duplicate
from reports.models import ReportItem
from reports.selectors import report_rule_outcomes
from reports.services import report_draft_ensure
from tests.factories import ConsultationFactory

BAND_24_36 = ["dix-mots-24m", "deux-mots-24m", "faire-semblant-24m"]
BAND_48_60 = ["pourquoi-48m", "conjugue-48m", "attend-tour-48m"]


def outcomes(version, answers, age):
    return {outcome.rule.key: outcome for outcome in evaluate_rules(version, answers, age)}


def triggered(version, answers, age) -> set[str]:
    return {key for key, outcome in outcomes(version, answers, age).items() if outcome.triggered}


@pytest.fixture
def grid(screening_protocol):
    return screening_protocol.published_version()


def test_every_rule_gets_an_outcome_in_order(grid):
    result = evaluate_rules(grid, {}, 30)
    assert [o.rule.key for o in result] == ["pco-0-3", "pco-4-6", "regression-urgence"]
    assert not any(o.triggered for o in result)


# --- The 24-36 month band --------------------------------------------------------------------

TWO_SIGNS_TWO_DOMAINS_24 = {"dix-mots-24m": "non", "faire-semblant-24m": "non"}


@pytest.mark.parametrize(
    ("age", "expected"),
    [(23, set()), (24, {"pco-0-3"}), (35, {"pco-0-3"}), (36, set())],
)
def test_band_24_36_items_count_only_from_24_to_35_months(grid, age, expected):
    assert triggered(grid, TWO_SIGNS_TWO_DOMAINS_24, age) == expected


def test_triggered_outcome_names_its_evidence(grid):
    outcome = outcomes(grid, TWO_SIGNS_TWO_DOMAINS_24, 30)["pco-0-3"]
    assert outcome.triggered
    assert sorted(item.key for item in outcome.evidence) == ["dix-mots-24m", "faire-semblant-24m"]
    assert outcome.domains == frozenset({"langage", "socialisation"})
    assert outcome.message == "Orienter vers la PCO."


def test_out_of_band_items_are_not_evidence(grid):
    answers = {key: "non" for key in BAND_24_36 + BAND_48_60}
    outcome = outcomes(grid, answers, 36)["pco-0-3"]
    assert not outcome.triggered and outcome.evidence == []


def test_two_signs_in_one_domain_do_not_trigger(grid):
    answers = {"dix-mots-24m": "non", "deux-mots-24m": "non"}
    outcome = outcomes(grid, answers, 30)["pco-0-3"]
    assert not outcome.triggered
    assert len(outcome.evidence) == 2 and outcome.domains == frozenset({"langage"})


def test_one_sign_does_not_trigger(grid):
    assert triggered(grid, {"dix-mots-24m": "non", "faire-semblant-24m": "oui"}, 30) == set()


@pytest.mark.parametrize("other", ["non_evalue", "oui", "", None])
def test_not_evaluated_or_missing_answers_do_not_count(grid, other):
    answers = {"dix-mots-24m": "non", "deux-mots-24m": "non"}
    if other is not None:
        answers["faire-semblant-24m"] = other
    assert triggered(grid, answers, 30) == set()
    assert "pco-0-3" in triggered(grid, {**answers, "faire-semblant-24m": "non"}, 30)


# --- 47 vs 48 months: the thresholds switch --------------------------------------------------


def test_at_47_months_the_48_month_band_does_not_count(grid):
    answers = {key: "non" for key in BAND_48_60}
    assert triggered(grid, answers, 47) == set()
    assert triggered(grid, answers, 48) == {"pco-4-6"}


def test_from_48_months_three_signs_are_needed(grid):
    two = {"pourquoi-48m": "non", "attend-tour-48m": "non"}
    three = {**two, "conjugue-48m": "non"}
    assert triggered(grid, two, 48) == set()
    assert triggered(grid, three, 48) == {"pco-4-6"}
    assert triggered(grid, three, 59) == {"pco-4-6"}
    assert triggered(grid, three, 60) == set()  # out of the 48-60 band again


def test_three_signs_in_one_domain_do_not_trigger_after_48_months(screening_protocol):
    draft = version_duplicate(version=screening_protocol.published_version())
    langage = draft.sections.get(key="langage")
    ProtocolItem.objects.create(
        section=langage,
        key="recit-48m",
        label="Raconte",
        hint="Récit",
        role=ProtocolItem.Role.MILESTONE,
        min_age_months=48,
        max_age_months=60,
        position=99,
    )
    answers = {"pourquoi-48m": "non", "conjugue-48m": "non", "recit-48m": "non"}
    assert triggered(draft, answers, 50) == set()
    assert triggered(draft, {**answers, "attend-tour-48m": "non"}, 50) == {"pco-4-6"}


def test_same_signs_trigger_at_47_but_not_at_48_months(screening_protocol):
    """With milestones valid at every age, 2 signs in 2 domains suffice at 47 months and no
    longer at 48 (3 needed)."""
    draft = version_duplicate(version=screening_protocol.published_version())
    for section_key, item_key in [("langage", "parle"), ("socialisation", "regarde")]:
        ProtocolItem.objects.create(
            section=draft.sections.get(key=section_key),
            key=item_key,
            label=item_key,
            hint="h",
            role=ProtocolItem.Role.MILESTONE,
            position=99,
        )
    answers = {"parle": "non", "regarde": "non"}
    assert triggered(draft, answers, 47) == {"pco-0-3"}
    assert triggered(draft, answers, 48) == set()
    assert triggered(draft, {**answers, "pourquoi-48m": "non"}, 48) == {"pco-4-6"}
    assert triggered(draft, answers, 84) == set()  # beyond both rules


# --- Regression, unknown age ----------------------------------------------------------------


@pytest.mark.parametrize("age", [0, 12, 30, 47, 48, 83, 84, 200, None])
def test_regression_is_urgent_at_any_age(grid, age):
    result = outcomes(grid, {"regression": "oui"}, age)
    urgent = result["regression-urgence"]
    assert urgent.triggered
    assert urgent.rule.urgency == "urgent"
    assert [item.key for item in urgent.evidence] == ["regression"]
    assert not result["pco-0-3"].triggered and not result["pco-4-6"].triggered


@pytest.mark.parametrize("answer", ["non", "non_evalue", ""])
def test_regression_not_answered_yes_triggers_nothing(grid, answer):
    assert triggered(grid, {"regression": answer}, 30) == set()


def test_unknown_age_triggers_only_regression(grid):
    everything_no = {key: "non" for key in BAND_24_36 + BAND_48_60}
    assert triggered(grid, everything_no, None) == set()
    assert triggered(grid, {**everything_no, "regression": "oui"}, None) == {"regression-urgence"}


def test_a_milestone_answered_yes_is_not_a_regression(grid):
    answers = {key: "oui" for key in BAND_24_36}
    assert triggered(grid, answers, 30) == set()


# --- The real default screening grid ---------------------------------------------------------


@pytest.fixture
def reperage(db):
    protocols_load_defaults()
    return Protocol.objects.get(slug="reperage-tnd-0-7").published_version()


def test_default_grid_at_18_months_two_signs_in_two_domains(reperage):
    answers = {
        "marche-sans-aide-18m": "non",  # motricité globale
        "cinq-mots-18m": "non",  # langage
        "se-releve-sol-18m": "oui",
        "pointe-pour-partager-18m": "oui",
        "troubles-sommeil": "oui",  # information: never a sign
        "prematurite": "oui",  # risk factor: not a sign either
    }
    result = outcomes(reperage, answers, 18)
    assert result["orientation-pco-0-3"].triggered
    assert result["orientation-pco-0-3"].domains == frozenset({"motricite-globale", "langage"})
    assert "PCO" in result["orientation-pco-0-3"].message
    assert not result["orientation-pco-4-6"].triggered
    assert not result["regression-urgence"].triggered


def test_default_grid_at_18_months_signs_in_one_domain_only(reperage):
    answers = {
        "cinq-mots-18m": "non",
        "designe-sur-demande-18m": "non",
        "comprend-consigne-simple-18m": "non",
        "marche-sans-aide-18m": "non_evalue",
        "pince-pouce-index-12m": "non",  # previous band: not counted at 18 months
    }
    assert triggered(reperage, answers, 18) == set()


def test_default_grid_at_60_months(reperage):
    two = {"equilibre-un-pied-5ans": "non", "phrases-six-mots-5ans": "non"}
    previous_band = {"saute-pieds-joints-4ans": "non", "intelligible-4ans": "non"}
    assert triggered(reperage, {**two, **previous_band}, 60) == set()
    three = {**two, "decrit-image-5ans": "non"}
    result = outcomes(reperage, three, 60)
    assert result["orientation-pco-4-6"].triggered
    assert result["orientation-pco-4-6"].domains == frozenset(
        {"motricite-globale", "langage", "cognition"}
    )
    assert not result["orientation-pco-0-3"].triggered


def test_default_grid_regression_is_urgent(reperage):
    result = outcomes(reperage, {"regression-competences": "oui"}, 60)
    assert result["regression-urgence"].triggered
    assert result["regression-urgence"].rule.urgency == "urgent"
    assert "urgence" in result["regression-urgence"].message


# --- On a report -----------------------------------------------------------------------------


def test_report_rule_outcomes_reads_the_report_answers(alice, screening_protocol, protocol):
    dossier = report_services.dossier_create(
        initials="LM",
        birth_date=datetime.date(2022, 3, 10),
        sex="M",
        protocols=[protocol, screening_protocol],
        created_by=alice,
    )
    ConsultationFactory(dossier=dossier, date=datetime.date(2024, 9, 12), created_by=alice)
    report = report_draft_ensure(dossier=dossier)
    assert report.child_age_months == 30
    items = {item.key: item for item in ReportItem.objects.filter(section__report=report)}
    assert set(items) == {*BAND_24_36, "regression"}

    def rules_triggered():
        return {o.rule.key for o in report_rule_outcomes(report) if o.triggered}

    assert rules_triggered() == set()
    # The report structure (no rules) contributes no outcome.
    assert [o.rule.key for o in report_rule_outcomes(report)] == [
        "pco-0-3",
        "pco-4-6",
        "regression-urgence",
    ]

    ReportItem.objects.filter(pk=items["dix-mots-24m"].pk).update(answer="non")
    ReportItem.objects.filter(pk=items["deux-mots-24m"].pk).update(answer="non")
    assert rules_triggered() == set()  # one domain

    ReportItem.objects.filter(pk=items["faire-semblant-24m"].pk).update(answer="non_evalue")
    assert rules_triggered() == set()

    ReportItem.objects.filter(pk=items["faire-semblant-24m"].pk).update(answer="non")
    assert rules_triggered() == {"pco-0-3"}

    ReportItem.objects.filter(pk=items["regression"].pk).update(answer="oui")
    assert rules_triggered() == {"pco-0-3", "regression-urgence"}
