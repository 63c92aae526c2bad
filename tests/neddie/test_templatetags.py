import pytest

from neddie.templatetags.neddie_extras import clock, finding


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0:00"), (2.7, "0:02"), (65, "1:05"), (3723.4, "1:02:03")]
)
def test_clock_shows_positions_as_clinicians_read_them(seconds, shown):
    assert clock(seconds) == shown


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        ("oui", "observé"),
        ("non", "non observé"),
        ("non_evalue", "non évalué"),
        ("18 mois", "18 mois"),
    ],
)
def test_findings_read_as_the_protocol_means_them(answer, shown):
    assert finding(answer) == shown
