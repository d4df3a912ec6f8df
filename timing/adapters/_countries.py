"""Three-letter country codes, to tell a CAMEO country prefix from a role code.

A CAMEO actor code such as ``RUSGOV`` starts with a country (``RUS``) and goes on with a
role (``GOV``); a code such as ``GOV``, ``BUS`` or ``EDU`` has a role and no country.
:data:`COUNTRY_CODES` holds the ISO 3166-1 alpha-3 codes (which CAMEO uses for countries)
plus the few older or non-ISO codes CAMEO keeps (``ROM`` Romania, ``ZAR`` Zaire, ``TMP``
East Timor, ``YUG`` Yugoslavia, ``KOS`` Kosovo), so that the first three letters of an
actor code count as a country only when they are one.
"""

from __future__ import annotations

__all__ = ["COUNTRY_CODES", "country_of"]

_ISO3 = """
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA
BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN
CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU
EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB
GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL
ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO
LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR
MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER
PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM
SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK
TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM
VUT WLF WSM YEM ZAF ZMB ZWE
"""
#: Country codes accepted as the first three letters of a CAMEO actor code.
COUNTRY_CODES: frozenset[str] = frozenset(_ISO3.split()) | {"ROM", "ZAR", "TMP", "YUG", "KOS"}


def country_of(country_code: str | None, actor_code: str | None) -> str:
    """The actor's country: its country-code field, else a country prefix of its code.

    Returns ``""`` when neither gives a country (role-only codes such as ``GOV``).

    Examples
    --------
    >>> country_of("", "RUSGOV"), country_of(None, "GOV"), country_of("USA", "USAGOV")
    ('RUS', '', 'USA')
    """
    code = (country_code or "").strip()
    if code:
        return code
    prefix = (actor_code or "").strip()[:3].upper()
    return prefix if prefix in COUNTRY_CODES else ""
