"""Calendar arithmetic for legal deadlines (months are calendar months, clamped to the month's end)."""

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)


def age_in_years(birth_date: date, on: date) -> int:
    """Whole years of life completed on a day (someone born on 29 February is a year older on 1 March)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
