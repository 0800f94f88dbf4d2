"""ISO 4217 currencies and how amounts in them are written, shared by every app.

Media (boost budgets, spend) and approvals (sign-off thresholds) both show money to people; one
table of minor units and one way of writing an amount keep "300.00 EUR" from reading as
"300.000 EUR" in one place and "300 EUR" in another. Rounding is ROUND_HALF_EVEN (banker's
rounding), as ``media.money`` explains.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

ROUNDING = ROUND_HALF_EVEN

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


def format_money(amount: Decimal | int, currency: str) -> str:
    """``amount`` as people read it: rounded half-even to the currency's minor unit, with the
    code ("300.00 EUR", "50000 JPY"). A code that is not ISO 4217 shows the amount as given."""
    code = currency.upper()
    if code not in MINOR_UNITS:
        return f"{amount} {currency}"
    quantum = Decimal(1).scaleb(-MINOR_UNITS[code])
    return f"{Decimal(amount).quantize(quantum, rounding=ROUNDING)} {code}"
