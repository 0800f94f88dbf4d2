"""Money for paid media: ISO 4217 currencies, exact Decimal amounts and one rounding rule.

Rounding is ROUND_HALF_EVEN (banker's rounding) everywhere, applied once, at the end of a
calculation: sums of many rounded figures (per month, per currency, per report) then carry no
upward bias, and it is the rule ``decimal`` itself defaults to. Amounts are rounded to the
currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD); unit costs (CPM, CPC, cost per result)
keep ``UNIT_COST_PLACES`` decimals because a CPC of 0.0034 would otherwise read as 0.00.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

# The currency table and how an amount is written live with the project (approvals shows
# money too, and must not depend on media); they are part of this module's surface.
from brandroom.currencies import MINOR_UNITS as MINOR_UNITS
from brandroom.currencies import ROUNDING as ROUNDING
from brandroom.currencies import UnknownCurrency as UnknownCurrency
from brandroom.currencies import format_money as format_money
from brandroom.currencies import is_currency as is_currency
from brandroom.currencies import minor_units as minor_units

UNIT_COST_PLACES = 4
PERCENT_PLACES = 2
RATIO_PLACES = 4


def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def to_decimal(value: Decimal | Fraction | int) -> Decimal:
    """An exact Decimal for a Decimal or int; a Fraction is divided at high precision first."""
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)


def round_places(value: Decimal | Fraction | int, places: int) -> Decimal:
    """``value`` rounded half-even to ``places`` decimals."""
    if isinstance(value, Fraction):
        # Round the exact rational, not a 28-digit approximation of it.
        scaled = value * 10**places
        whole = round(scaled)  # Python's round() on a Fraction is half-even and exact.
        return Decimal(whole).scaleb(-places).quantize(_quantum(places))
    return Decimal(value).quantize(_quantum(places), rounding=ROUNDING)


def round_money(value: Decimal | Fraction | int, currency: str) -> Decimal:
    """An amount rounded half-even to the currency's minor unit."""
    return round_places(value, minor_units(currency))


def has_minor_precision(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` needs no more decimals than the currency has (10.005 EUR does)."""
    return amount == amount.quantize(_quantum(minor_units(currency)), rounding=ROUNDING)


def ratio(numerator: Decimal | int, denominator: Decimal | int, *, places: int) -> Decimal | None:
    """numerator / denominator rounded half-even, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return round_places(Fraction(Decimal(numerator)) / Fraction(Decimal(denominator)), places)
