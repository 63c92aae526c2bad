"""Ages as the screening grids use them: completed months, corrected for prematurity
before 2 years (2024 booklet)."""

import datetime

FULL_TERM_WEEKS = 40
PRETERM_BELOW_WEEKS = 37
CORRECTION_UNTIL_MONTHS = 24
_DAYS_PER_MONTH = 365.25 / 12


def age_in_months(birth_date: datetime.date, on: datetime.date) -> int:
    """Completed months between ``birth_date`` and ``on`` (the month's day must be reached)."""
    months = (on.year - birth_date.year) * 12 + (on.month - birth_date.month)
    if on.day < birth_date.day:
        months -= 1
    return max(months, 0)


def screening_age_months(
    birth_date: datetime.date | None, on: datetime.date, gestational_weeks: int | None = None
) -> tuple[int | None, bool]:
    """(age in months for the grid, whether it is a corrected age).

    A child born before 37 weeks is placed by corrected age (chronological age minus the
    weeks missing to term) until 2 years of chronological age.
    """
    if birth_date is None:
        return None, False
    age = age_in_months(birth_date, on)
    if (
        gestational_weeks
        and gestational_weeks < PRETERM_BELOW_WEEKS
        and age < CORRECTION_UNTIL_MONTHS
    ):
        missing_days = (FULL_TERM_WEEKS - gestational_weeks) * 7
        corrected = age_in_months(birth_date + datetime.timedelta(days=missing_days), on)
        return corrected, True
    return age, False
