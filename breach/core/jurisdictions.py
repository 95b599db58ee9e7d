"""Jurisdiction codes and head counts a responder may record with `breach scope`.

The known list: every ISO 3166-1 alpha-2 country, and the ISO 3166-2 subdivisions the
regimes distinguish (US states and territories, Canadian provinces and territories,
Australian states and territories). A static list rather than pycountry: it is pure,
needs no dependency, and costs nothing at start-up.
"""

from __future__ import annotations

from breach.errors import InputError

#: ISO 3166-1 alpha-2 (officially assigned codes, 249).
COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())

#: ISO 3166-2 subdivisions the regimes use, by country.
SUBDIVISIONS: dict[str, frozenset[str]] = {
    # 50 states, the District of Columbia and the outlying areas (state breach laws).
    "US": frozenset("""
        AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY
        NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR UM VI
    """.split()),
    # Provinces and territories (PIPEDA and provincial laws).
    "CA": frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT".split()),
    # States and territories (Privacy Act NDB scheme and state laws).
    "AU": frozenset("ACT NSW NT QLD SA TAS VIC WA".split()),
    # Länder: each has its own data protection authority (breach/resources/authorities.yaml).
    "DE": frozenset("BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH".split()),
}

#: People whose location is unknown: counted in every total, towards no jurisdiction's threshold.
UNLOCATED = "unlocated"

#: Codes people write that ISO spells otherwise.
ALIASES = {"UK": "GB", "EL": "GR"}

#: More people or records than live on Earth is a typo, not an estimate.
MAX_COUNT = 10_000_000_000


def check_jurisdiction(code: str) -> str:
    """The code, upper-cased, if it is known; InputError naming the fix otherwise."""
    value = code.strip().upper()
    country, dash, part = value.partition("-")
    if country in ALIASES:
        raise InputError(f"unknown jurisdiction {code!r}: the ISO 3166 code is {ALIASES[country]}{dash}{part}")
    if country not in COUNTRIES:
        raise InputError(f"unknown jurisdiction {code!r}: use an ISO 3166-1 country code (BE, FR, US, ...) "
                         "or a subdivision the regimes know (US-CA, CA-ON, AU-NSW)")
    if dash:
        known = SUBDIVISIONS.get(country)
        if known is None:
            raise InputError(f"unknown jurisdiction {code!r}: no regime distinguishes subdivisions of {country}; "
                             f"record {country}")
        if part not in known:
            raise InputError(f"unknown jurisdiction {code!r}: not a subdivision of {country} "
                             f"(one of {', '.join(sorted(known))})")
    return value


def check_count(value: int, *, what: str) -> int:
    """A head count: a whole number from 0 to MAX_COUNT."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{what}: expected a whole number, got {value!r}")
    if value < 0 or value > MAX_COUNT:
        raise InputError(f"{what}: {value} is out of range (0 to {MAX_COUNT:,})")
    return value


def check_scope_item(code: str, count: str) -> None:
    """One `CODE=COUNT` of `breach scope`: a known code and a bounded whole number."""
    check_jurisdiction(code)
    digits = count.strip().replace("_", "")
    if not digits.isdigit() or len(digits) > len(str(MAX_COUNT)):
        raise InputError(f"{code}={count.strip()[:20]}: the count must be a whole number from 0 to {MAX_COUNT:,}")
    check_count(int(digits), what=code)
