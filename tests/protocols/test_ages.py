"""Ages as the grids use them: completed months, corrected for prematurity before 2 years."""

import datetime

import pytest

from dossiers import services as report_services
from protocols.ages import age_in_months, screening_age_months
from protocols.models import Protocol
from protocols.services import protocols_load_defaults
from reports.models import ReportItem
from reports.services import report_draft_ensure
from tests.factories import ConsultationFactory

D = datetime.date


@pytest.mark.parametrize(
    ("birth", "on", "months"),
    [
        (D(2020, 1, 15), D(2020, 1, 15), 0),
        (D(2020, 1, 15), D(2020, 2, 14), 0),  # the 15th not reached yet
        (D(2020, 1, 15), D(2020, 2, 15), 1),
        (D(2020, 1, 15), D(2020, 3, 14), 1),
        (D(2020, 3, 10), D(2023, 3, 9), 35),  # the day before the 3rd birthday
        (D(2020, 3, 10), D(2023, 3, 10), 36),  # birthday
        (D(2020, 12, 20), D(2021, 1, 19), 0),  # across a year end
        (D(2020, 12, 20), D(2021, 1, 20), 1),
        (D(2019, 6, 1), D(2024, 5, 31), 59),
        (D(2019, 6, 1), D(2024, 6, 1), 60),
    ],
)
def test_age_in_completed_months(birth, on, months):
    assert age_in_months(birth, on) == months


def test_age_before_birth_is_zero_not_negative():
    assert age_in_months(D(2024, 5, 10), D(2024, 3, 1)) == 0


def test_preterm_32_weeks_uses_corrected_age_before_2_years():
    # 8 weeks (56 days) missing to term: corrected birth date 2024-03-06.
    assert screening_age_months(D(2024, 1, 10), D(2025, 1, 10), 32) == (10, True)
    assert screening_age_months(D(2024, 1, 10), D(2025, 1, 5), 32) == (9, True)
    assert screening_age_months(D(2024, 1, 10), D(2025, 1, 6), 32) == (10, True)


def test_preterm_correction_stops_at_2_years_of_chronological_age():
    birth = D(2022, 1, 10)
    # 23 months chronological: corrected birth date 2022-03-07 gives 21 months.
    assert screening_age_months(birth, D(2023, 12, 10), 32) == (21, True)
    assert screening_age_months(birth, D(2024, 1, 9), 32) == (22, True)
    assert screening_age_months(birth, D(2024, 1, 10), 32) == (24, False)
    assert screening_age_months(birth, D(2025, 6, 10), 32) == (41, False)


def test_preterm_just_born_corrected_age_is_zero():
    assert screening_age_months(D(2024, 1, 10), D(2024, 2, 20), 28) == (0, True)


@pytest.mark.parametrize("weeks", [37, 38, 40, 41, None])
def test_term_children_are_not_corrected(weeks):
    assert screening_age_months(D(2024, 1, 10), D(2025, 1, 10), weeks) == (12, False)


def test_36_weeks_is_preterm():
    # 4 weeks missing: corrected birth date 2024-02-07.
    assert screening_age_months(D(2024, 1, 10), D(2025, 1, 10), 36) == (11, True)


@pytest.mark.parametrize("weeks", [None, 32])
def test_unknown_birth_date_gives_unknown_age(weeks):
    assert screening_age_months(None, D(2025, 1, 10), weeks) == (None, False)


# --- Reports use the corrected age -----------------------------------------------------------


def _report_for(alice, protocol, *, birth, weeks, seen_on):
    dossier = report_services.dossier_create(
        initials="LM",
        birth_date=birth,
        sex="F",
        protocols=[protocol],
        created_by=alice,
        gestational_age_weeks=weeks,
    )
    ConsultationFactory(dossier=dossier, date=seen_on, created_by=alice)
    report = report_draft_ensure(dossier=dossier)
    keys = set(ReportItem.objects.filter(section__report=report).values_list("key", flat=True))
    return report, keys


def test_report_for_a_preterm_child_selects_items_by_corrected_age(alice):
    """Born at 32 weeks, seen at 19 months: corrected age 17 months, so the 12–18 month
    items of the default screening grid, not the 18–24 month ones a term child gets.

    (The test grid of tests/protocol_files.py cannot show this: its bands start at 24
    months, where the correction no longer applies.)"""
    protocols_load_defaults()
    reperage = Protocol.objects.get(slug="reperage-tnd-0-7")
    birth, seen_on = D(2023, 1, 10), D(2024, 8, 10)

    preterm, preterm_keys = _report_for(alice, reperage, birth=birth, weeks=32, seen_on=seen_on)
    term, term_keys = _report_for(alice, reperage, birth=birth, weeks=39, seen_on=seen_on)

    assert (preterm.child_age_months, preterm.age_is_corrected) == (17, True)
    assert (term.child_age_months, term.age_is_corrected) == (19, False)
    assert {"pince-pouce-index-12m", "reagit-prenom-12m"} <= preterm_keys
    assert not {"marche-sans-aide-18m", "cinq-mots-18m"} & preterm_keys
    assert {"marche-sans-aide-18m", "cinq-mots-18m"} <= term_keys
    assert not {"pince-pouce-index-12m", "reagit-prenom-12m"} & term_keys
    # Items without an age band are there for both.
    assert "regression-competences" in preterm_keys & term_keys


def test_report_for_a_preterm_child_after_2_years_uses_chronological_age(alice, screening_protocol):
    birth = D(2022, 1, 10)
    at_24, keys_24 = _report_for(
        alice, screening_protocol, birth=birth, weeks=32, seen_on=D(2024, 1, 10)
    )
    assert (at_24.child_age_months, at_24.age_is_corrected) == (24, False)
    assert {"dix-mots-24m", "deux-mots-24m", "faire-semblant-24m"} <= keys_24

    at_23, keys_23 = _report_for(
        alice, screening_protocol, birth=birth, weeks=32, seen_on=D(2024, 1, 9)
    )
    assert (at_23.child_age_months, at_23.age_is_corrected) == (22, True)
    assert keys_23 == {"regression"}


def test_report_without_birth_date_has_only_unbanded_items(alice, screening_protocol):
    report, keys = _report_for(
        alice, screening_protocol, birth=None, weeks=None, seen_on=D(2024, 1, 9)
    )
    assert report.child_age_months is None and not report.age_is_corrected
    assert keys == {"regression"}
