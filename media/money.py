"""Money for paid media: ISO 4217 currencies, exact Decimal amounts and one rounding rule.

Rounding is ROUND_HALF_EVEN (banker's rounding) everywhere, applied once, at the end of a
calculation: sums of many rounded figures (per month, per currency, per report) then carry no
upward bias, and it is the rule ``decimal`` itself defaults to. Amounts are rounded to the
currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD); unit costs (CPM, CPC, cost per result)
keep ``UNIT_COST_PLACES`` decimals because a CPC of 0.0034 would otherwise read as 0.00.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

ROUNDING = ROUND_HALF_EVEN
UNIT_COST_PLACES = 4
PERCENT_PLACES = 2
RATIO_PLACES = 4

_ZERO_DECIMAL = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMAL = "BHD IQD JOD KWD LYD OMR TND"
_FOUR_DECIMAL = "CLF UYW"
_TWO_DECIMAL = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
    "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD "
    "KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD "
    "NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED "
    "VES WST XCD YER ZAR ZMW ZWG"
)

# Active ISO 4217 currency codes -> digits after the decimal point (the minor unit).
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMAL.split(), 2),
    **dict.fromkeys(_ZERO_DECIMAL.split(), 0),
    **dict.fromkeys(_THREE_DECIMAL.split(), 3),
    **dict.fromkeys(_FOUR_DECIMAL.split(), 4),
}


class UnknownCurrency(ValueError):
    """The code is not an active ISO 4217 currency."""


def minor_units(currency: str) -> int:
    """Digits after the decimal point in ``currency`` (raises UnknownCurrency)."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrency(f"'{currency}' is not an ISO 4217 currency code.") from None


def is_currency(code: str) -> bool:
    """True for an active ISO 4217 code (upper case, as the standard writes it)."""
    return code in MINOR_UNITS


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
