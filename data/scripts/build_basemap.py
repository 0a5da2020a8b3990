#!/usr/bin/env python3
"""Build the offline Europe basemap (country outlines) for the pydeck map.

Usage:
    python data/scripts/build_basemap.py PATH/TO/countries-50m.json \
        --out data/basemap/europe_countries.geojson

``countries-50m.json`` comes from the ``world-atlas@2.0.2`` npm package
(Natural Earth 1:50m admin-0 countries as TopoJSON), e.g. obtained with
``npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz``.

Steps: TopoJSON -> GeoJSON, clip to a Europe bounding box, add ``iso_a2``,
optionally thin vertices, round coordinates, write compact JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

# Build-time only: the decoder lives beside this script, not in the app's package.
from topojson_decode import clip_to_bbox, round_coords, simplify, to_geojson  # noqa: E402

# Europe view box (degrees): west, south, east, north.
BBOX = (-25.0, 34.0, 45.0, 72.0)

# ISO 3166-1 numeric (as used for world-atlas feature ids) -> alpha-2.
# Covers every European country/territory plus the neighbours that fall
# inside (or near) the bbox.  Kept explicit on purpose: no external lookup.
NUMERIC_TO_ALPHA2: dict[str, str] = {
    # Europe
    "008": "AL",  # Albania
    "020": "AD",  # Andorra
    "040": "AT",  # Austria
    "056": "BE",  # Belgium
    "070": "BA",  # Bosnia and Herzegovina
    "100": "BG",  # Bulgaria
    "112": "BY",  # Belarus
    "191": "HR",  # Croatia
    "196": "CY",  # Cyprus
    "203": "CZ",  # Czechia
    "208": "DK",  # Denmark
    "233": "EE",  # Estonia
    "234": "FO",  # Faroe Islands
    "246": "FI",  # Finland
    "248": "AX",  # Åland Islands
    "250": "FR",  # France
    "276": "DE",  # Germany
    "292": "GI",  # Gibraltar
    "300": "GR",  # Greece
    "304": "GL",  # Greenland
    "336": "VA",  # Vatican City
    "348": "HU",  # Hungary
    "352": "IS",  # Iceland
    "372": "IE",  # Ireland
    "380": "IT",  # Italy
    "428": "LV",  # Latvia
    "438": "LI",  # Liechtenstein
    "440": "LT",  # Lithuania
    "442": "LU",  # Luxembourg
    "470": "MT",  # Malta
    "492": "MC",  # Monaco
    "498": "MD",  # Moldova
    "499": "ME",  # Montenegro
    "528": "NL",  # Netherlands
    "578": "NO",  # Norway
    "616": "PL",  # Poland
    "620": "PT",  # Portugal
    "642": "RO",  # Romania
    "643": "RU",  # Russia
    "674": "SM",  # San Marino
    "688": "RS",  # Serbia
    "703": "SK",  # Slovakia
    "705": "SI",  # Slovenia
    "724": "ES",  # Spain
    "744": "SJ",  # Svalbard and Jan Mayen
    "752": "SE",  # Sweden
    "756": "CH",  # Switzerland
    "804": "UA",  # Ukraine
    "807": "MK",  # North Macedonia
    "826": "GB",  # United Kingdom
    "831": "GG",  # Guernsey
    "832": "JE",  # Jersey
    "833": "IM",  # Isle of Man
    # Neighbours (North Africa, Middle East, Caucasus, Central Asia)
    "012": "DZ",  # Algeria
    "031": "AZ",  # Azerbaijan
    "051": "AM",  # Armenia
    "268": "GE",  # Georgia
    "275": "PS",  # Palestine
    "364": "IR",  # Iran
    "368": "IQ",  # Iraq
    "376": "IL",  # Israel
    "398": "KZ",  # Kazakhstan
    "400": "JO",  # Jordan
    "414": "KW",  # Kuwait
    "422": "LB",  # Lebanon
    "434": "LY",  # Libya
    "504": "MA",  # Morocco
    "682": "SA",  # Saudi Arabia
    "732": "EH",  # Western Sahara
    "760": "SY",  # Syria
    "788": "TN",  # Tunisia
    "792": "TR",  # Turkey
    "795": "TM",  # Turkmenistan
    "818": "EG",  # Egypt
    "860": "UZ",  # Uzbekistan
}

# world-atlas features without a numeric id, matched by name instead.
# ``None`` means: keep the outline, but it has no ISO alpha-2 code.
NAME_TO_ALPHA2: dict[str, str | None] = {
    "Kosovo": "XK",  # user-assigned code in common use
    "N. Cyprus": None,  # not an ISO 3166-1 entity
}

ROUND_DIGITS = 3
SIZE_BUDGET_BYTES = 1_500_000
THIN_MIN_DIST = 0.02  # degrees, only applied when over budget


def alpha2_for(feature: dict) -> str | None:
    fid = feature.get("id")
    name = feature.get("properties", {}).get("name")
    if fid is not None and str(fid) in NUMERIC_TO_ALPHA2:
        return NUMERIC_TO_ALPHA2[str(fid)]
    if name in NAME_TO_ALPHA2:
        return NAME_TO_ALPHA2[name]
    raise KeyError(f"No alpha-2 mapping for feature id={fid!r} name={name!r}; add it to build_basemap.py")


def dumps(geojson: dict) -> str:
    return json.dumps(geojson, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def build(topology: dict, object_name: str = "countries") -> dict:
    fc = to_geojson(topology, object_name)
    fc = clip_to_bbox(fc, *BBOX)
    features = []
    for feature in fc["features"]:
        props = feature.get("properties", {})
        feature["properties"] = {"iso_a2": alpha2_for(feature), "name": props.get("name")}
        features.append(feature)
    features.sort(key=lambda f: f["properties"]["name"] or "")
    fc["features"] = features
    fc = round_coords(fc, ROUND_DIGITS)
    if len(dumps(fc).encode("utf-8")) > SIZE_BUDGET_BYTES:
        fc = round_coords(simplify(fc, THIN_MIN_DIST), ROUND_DIGITS)
    fc["bbox"] = list(BBOX)
    return fc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topojson", type=Path, help="countries-50m.json from world-atlas@2.0.2")
    parser.add_argument("--out", type=Path, default=Path("data/basemap/europe_countries.geojson"))
    parser.add_argument("--object", default="countries", help="TopoJSON object name (default: countries)")
    args = parser.parse_args(argv)

    topology = json.loads(args.topojson.read_text(encoding="utf-8"))
    fc = build(topology, args.object)
    text = dumps(fc) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    codes = sorted({f["properties"]["iso_a2"] for f in fc["features"] if f["properties"]["iso_a2"]})
    print(
        f"wrote {args.out} ({len(text.encode('utf-8'))} bytes, {len(fc['features'])} features)\n"
        f"iso_a2: {' '.join(codes)}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
