"""pydeck deck builders for the member map and the city profile: data in, deck out. No Streamlit here.

The map works without internet: `map_provider=None` draws no tiles, and the country outlines come from the
GeoJSON shipped in data/basemap/ (Natural Earth through world-atlas). Only the columns the browser needs
(id, position, radius, colour, tooltip) are put into the deck, which matters at 10,000 cities.

Tooltips use deck.gl's *text* template: the browser puts the text in with `innerText`, so a city called
`<img src=x onerror=alert(1)>` is shown as those characters and never parsed as HTML.
"""
from __future__ import annotations

import hashlib
import html
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from alliance.i18n import fmt_integers, fmt_number, is_missing, t, tn
from alliance.paths import BASEMAP_FILE

MEMBERS_LAYER = "members"
COUNTRIES_LAYER = "countries"
COUNTRY_VALUES_LAYER = "country-values"
HIGHLIGHT_LAYER = "highlight"

# The whole of Europe as the members' map shows it when nothing narrows it (lon/lat box).
EUROPE_BOUNDS = (-24.0, 34.5, 42.0, 70.5)
TILE_SIZE = 512  # deck.gl's world is 512 px wide at zoom 0
MAX_ZOOM = 7.5

# Colours: muted land, shaded member countries, white borders; points outlined in dark grey.
LAND = [226, 229, 233, 255]
MEMBER_LAND = [198, 214, 234, 255]
BORDER = [255, 255, 255, 255]
POINT_OUTLINE = [35, 40, 48, 220]
MISSING = [150, 156, 164, 230]
# Colour-blind-safe sequential scales (viridis), dark to light, with matching hex for the legend.
SEQUENTIAL_5 = ["#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725"]
SEQUENTIAL_6 = ["#440154", "#414487", "#2A788E", "#22A884", "#7AD151", "#FDE725"]
COUNTRY_SCALE = ["#DCE6F2", "#B3CBE5", "#82A9D3", "#4F83BC", "#1F4E89"]
IN_GROUP = "#D55E00"

# Point sizes: area grows with population (radius with its square root), between a floor that keeps small
# towns visible and a cap so that capitals do not swallow their neighbours.
MIN_RADIUS_PX = 4.0
MAX_RADIUS_PX = 20.0
POPULATION_AT_MAX = 5_000_000
SIZE_LEGEND_POPULATIONS = (50_000, 500_000, 5_000_000)


def hex_to_rgba(colour: str, alpha: int = 235) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i:i + 2], 16) for i in (0, 2, 4)] + [alpha]


def rgba_to_hex(rgba) -> str:
    return "#{:02X}{:02X}{:02X}".format(*[int(c) for c in rgba[:3]])


# ------------------------------------------------------------------------------------------- sizes
def point_radius(population) -> np.ndarray:
    """Pixel radius per population: sqrt scale from MIN_RADIUS_PX, capped at MAX_RADIUS_PX; unknown -> floor."""
    pop = pd.to_numeric(pd.Series(population, dtype="object"), errors="coerce").astype(float).to_numpy()
    share = np.sqrt(np.clip(np.nan_to_num(pop, nan=0.0), 0, POPULATION_AT_MAX) / POPULATION_AT_MAX)
    return np.round(MIN_RADIUS_PX + (MAX_RADIUS_PX - MIN_RADIUS_PX) * share, 1)


# ----------------------------------------------------------------------------------------- colours
@dataclass
class ColourScale:
    """Colour per point plus what the legend says: classes as (label, hex), and a class for missing values."""
    title: str
    classes: list[tuple[str, str]]
    missing_label: str | None = None
    codes: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))  # class per point, -1 missing

    def rgba(self) -> list[list[int]]:
        palette = [hex_to_rgba(hex_) for _, hex_ in self.classes]
        return [palette[c] if c >= 0 else list(MISSING) for c in self.codes]

    def legend_entries(self) -> list[tuple[str, str]]:
        """Entries as (label, hex); the missing class only when some point is in it."""
        entries = list(self.classes)
        if self.missing_label and (self.codes < 0).any():
            entries.append((self.missing_label, rgba_to_hex(MISSING)))
        return entries


def binned_codes(values, edges: list[float]) -> np.ndarray:
    """Class per value for bins [edges[i], edges[i+1]) (the last bin closed); -1 for missing values."""
    arr = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").astype(float).to_numpy()
    inner = np.asarray(edges[1:-1], dtype=float)
    codes = np.searchsorted(inner, arr, side="right").astype(int)
    codes[np.isnan(arr)] = -1
    return codes


def index_scale(values, title: str, missing_label: str) -> ColourScale:
    """The overall index 0-100 in five bands of 20 points."""
    edges = [0, 20, 40, 60, 80, 100]
    labels = [f"{lo}–{hi}" for lo, hi in zip(edges[:-1], edges[1:])]
    return ColourScale(title, list(zip(labels, SEQUENTIAL_5)), missing_label, binned_codes(values, edges))


def level_scale(levels, level_labels: dict[int, str], title: str, missing_label: str) -> ColourScale:
    """A dimension's maturity level 0-5, one colour per level."""
    classes = [(f"{lvl} · {level_labels.get(lvl, '')}".rstrip(" ·"), SEQUENTIAL_6[lvl]) for lvl in range(6)]
    codes = pd.to_numeric(pd.Series(levels, dtype="object"), errors="coerce").fillna(-1).astype(int).to_numpy()
    return ColourScale(title, classes, missing_label, codes)


def count_edges(values, classes: int = 5) -> list[float]:
    """Bin edges for counts: roughly equal-sized groups on whole numbers, 0 kept apart when common."""
    arr = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").dropna().astype(float).to_numpy()
    if arr.size == 0:
        return [0, 1]
    top = float(arr.max())
    cuts = np.unique(np.ceil(np.quantile(arr, np.linspace(0, 1, classes + 1)[1:-1])))
    edges = [0.0] + [c for c in cuts if 0 < c <= top] + [top + 1]
    if (arr == 0).any() and 1 not in edges and top >= 1:
        edges = sorted(set(edges) | {1.0})
    return [float(e) for e in sorted(set(edges))]


def count_labels(edges: list[float]) -> list[str]:
    """Labels of whole-number bins: '0', '1–2', '3–5' ..."""
    labels = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        last = int(hi) - 1
        labels.append(fmt_number(lo) if last <= lo else f"{fmt_number(lo)}–{fmt_number(last)}")
    return labels


def count_scale(values, title: str) -> ColourScale:
    """Number of activities, in classes such as 0, 1–2, 3–5, 6–12."""
    edges = count_edges(values)
    labels = count_labels(edges)
    palette = SEQUENTIAL_5 if len(labels) <= 5 else SEQUENTIAL_6
    palette = _spread(palette, len(labels))
    return ColourScale(title, list(zip(labels, palette)), None, binned_codes(values, edges))


def year_scale(years, title: str) -> ColourScale:
    """Year joined: one class per year when there are few, else ranges of years."""
    arr = pd.to_numeric(pd.Series(years, dtype="object"), errors="coerce").dropna().astype(int)
    distinct = sorted(arr.unique())
    if not distinct:
        return ColourScale(title, [], None, np.full(len(years), -1))
    if len(distinct) <= 6:
        edges = [float(y) for y in distinct] + [float(distinct[-1] + 1)]
        palette = _spread(SEQUENTIAL_6, len(distinct))
        return ColourScale(title, [(str(y), c) for y, c in zip(distinct, palette)], None, binned_codes(years, edges))
    else:
        step = math.ceil((distinct[-1] + 1 - distinct[0]) / 5)
        edges = [float(distinct[0] + i * step) for i in range(5)] + [float(distinct[-1] + 1)]
        edges = sorted(set(edges))
    labels = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        lo, last = int(lo), int(hi) - 1
        labels.append(str(lo) if last <= lo else f"{lo}–{last}")
    palette = _spread(SEQUENTIAL_6, len(labels))
    return ColourScale(title, list(zip(labels, palette)), None, binned_codes(years, edges))


def membership_scale(flags, in_label: str, out_label: str, title: str) -> ColourScale:
    """In a group (say, a network) or not: the group stands out, the rest is grey."""
    codes = np.where(pd.Series(flags, dtype="object").fillna(False).astype(bool).to_numpy(), 0, -1)
    return ColourScale(title, [(in_label, IN_GROUP)], out_label, codes)


def _spread(palette: list[str], n: int) -> list[str]:
    """n colours spread evenly over a sequential palette."""
    if n <= 1:
        return palette[-2:-1] or palette[:1]
    picks = np.round(np.linspace(0, len(palette) - 1, n)).astype(int)
    return [palette[i] for i in picks]


# ---------------------------------------------------------------------------------------- tooltips
def tooltip_texts(members: pd.DataFrame, invented_scores: bool = True) -> list[str]:
    """Each member's tooltip, plain text: name, country, population, latest index, activities.

    Built column-wise with fmt_integers: babel's per-number formatting takes seconds for 10,000 members.
    """
    population = fmt_integers(members["population"])
    index = fmt_integers(members["overall_index"])
    activities = fmt_integers(members["activities"].fillna(0))
    pop_line, act_line = t("map.tip_population", value="{}"), t("map.tip_activities", value="{}")
    index_line = t("map.tip_index_invented" if invented_scores else "map.tip_index", value="{0}", year="{1}")
    no_index = t("map.tip_no_index")
    texts = []
    for name, country, pop, idx, year, acts, missing in zip(
            members["name"], members["country"], population, index, members["latest_round"], activities,
            members["overall_index"].isna()):
        scored = no_index if missing else index_line.format(idx, int(year))
        texts.append(f"{name}\n{country}\n{pop_line.format(pop)}\n{scored}\n{act_line.format(acts)}")
    return texts


# maxWidth below a phone's map width, so that alliance.app.map_assist can always place it inside the map
TOOLTIP_STYLE = {"backgroundColor": "#1B1F24", "color": "#FFFFFF", "fontSize": "17px", "lineHeight": "1.45",
                 "padding": "10px 14px", "borderRadius": "6px", "whiteSpace": "pre-line",
                 "maxWidth": "min(340px, calc(100vw - 60px))", "overflowWrap": "anywhere",
                 "fontFamily": "Source Sans Pro, Helvetica, Arial, sans-serif"}


def tooltip() -> dict:
    """deck.gl tooltip: a text template (inserted with innerText, so never parsed as HTML)."""
    return {"text": "{tooltip}", "style": TOOLTIP_STYLE}


# ----------------------------------------------------------------------------------------- points
def member_points(members: pd.DataFrame, colours: list[list[int]], invented_scores: bool = True) -> pd.DataFrame:
    """What the browser gets per member and nothing more: id, lon, lat, radius, colour, tooltip.

    ``members`` needs id, name, country (display name), longitude, latitude, population, overall_index,
    latest_round and activities.
    """
    frame = pd.DataFrame({
        "id": members["id"].astype(str).to_numpy(),
        "lon": members["longitude"].astype(float).round(4).to_numpy(),
        "lat": members["latitude"].astype(float).round(4).to_numpy(),
        "radius": point_radius(members["population"]),
        "colour": colours,
        "tooltip": tooltip_texts(members, invented_scores),
    })
    # draw big circles first so that small towns stay on top and clickable
    return frame.sort_values("radius", ascending=False, kind="stable").reset_index(drop=True)


def members_layer(points: pd.DataFrame, pickable: bool = True, layer_id: str = MEMBERS_LAYER) -> pdk.Layer:
    return pdk.Layer(
        "ScatterplotLayer", data=points, id=layer_id, pickable=pickable, auto_highlight=pickable,
        get_position=["lon", "lat"], get_radius="radius", radius_units="'pixels'",
        get_fill_color="colour", get_line_color=POINT_OUTLINE, stroked=True, line_width_units="'pixels'",
        get_line_width=1.2, highlight_color=[255, 255, 255, 140])


# -------------------------------------------------------------------------------------- countries
@lru_cache(maxsize=1)
def _basemap() -> dict:
    return json.loads(BASEMAP_FILE.read_text(encoding="utf-8"))


def load_basemap() -> dict:
    """The country outlines. Each feature and its properties are fresh copies (callers may add properties);
    the geometries are shared and must not be changed."""
    geo = _basemap()
    return {**{k: v for k, v in geo.items() if k != "features"},
            "features": [{**f, "properties": dict(f.get("properties") or {})} for f in geo["features"]]}


@dataclass
class CountryShading:
    """Optional country layer: a value per country code, a colour scale, and a tooltip text per country."""
    values: dict[str, float]
    tooltips: dict[str, str]
    scale: ColourScale


def country_scale(values: dict[str, float], title: str, edges: list[float] | None = None) -> ColourScale:
    """Classes over the country values: fixed `edges` (an index), else count classes (members)."""
    arr = np.array(list(values.values()), dtype=float)
    if edges is None:
        edges = count_edges(arr, classes=4)
        labels = count_labels(edges)
    else:
        labels = [f"{lo:g}–{hi:g}" for lo, hi in zip(edges[:-1], edges[1:])]
    palette = _spread(COUNTRY_SCALE, len(labels))
    return ColourScale(title, list(zip(labels, palette)), None, binned_codes(arr, edges))


# The outlines are 250 KB: sent inside every map's JSON they were 95 % of each map view's bytes and of the
# server's hashing and serialising. The deck names them by URL instead (served by alliance.app.routes, same
# origin, nothing outside), and the browser fetches them once and keeps them.
BASEMAP_ROUTE = "/geo/countries.geojson"
COUNTRY_CODE = re.compile(r"[A-Z]{2}")


@lru_cache(maxsize=1)
def basemap_version() -> str:
    """Changes with the outlines file, so a browser never keeps an outdated copy."""
    return hashlib.sha256(BASEMAP_FILE.read_bytes()).hexdigest()[:12]


def basemap_url(member_countries: set[str]) -> str:
    codes = ",".join(sorted(code for code in member_countries if COUNTRY_CODE.fullmatch(str(code))))
    return f"{BASEMAP_ROUTE}?v={basemap_version()}&members={codes}"


@lru_cache(maxsize=64)
def basemap_geojson(member_countries: tuple[str, ...]) -> bytes:
    """The outlines as compact GeoJSON: member countries shaded, the others muted, the source's names left out."""
    geo = load_basemap()
    for feature in geo["features"]:
        props = feature.setdefault("properties", {})
        props["fill"] = MEMBER_LAND if props.get("iso_a2") in member_countries else LAND
        props.pop("name", None)  # the source's short names are not for display
    return json.dumps(geo, separators=(",", ":")).encode("utf-8")


def countries_layer(member_countries: set[str]) -> pdk.Layer:
    """Country outlines (by URL, see BASEMAP_ROUTE). Not pickable: it is the basemap."""
    return pdk.Layer(
        "GeoJsonLayer", data=basemap_url(member_countries), id=COUNTRIES_LAYER, pickable=False, stroked=True,
        filled=True, get_fill_color="properties.fill", get_line_color=BORDER, line_width_min_pixels=1,
        get_line_width=1)


def country_values_layer(shading: CountryShading) -> pdk.Layer:
    """The optional country layer: only the countries that have a value, coloured, each with a tooltip."""
    geo = load_basemap()
    colour_of = {code: [*rgba[:3], 255] for code, rgba in zip(shading.values, shading.scale.rgba())}
    features = []
    for feature in geo["features"]:
        code = feature.get("properties", {}).get("iso_a2")
        if code in shading.tooltips:
            features.append({"type": "Feature", "geometry": feature["geometry"],
                             "properties": {"fill": colour_of.get(code, LAND), "tooltip": shading.tooltips[code]}})
    return pdk.Layer(
        "GeoJsonLayer", data={"type": "FeatureCollection", "features": features}, id=COUNTRY_VALUES_LAYER,
        pickable=True, stroked=True, filled=True, get_fill_color="properties.fill", get_line_color=BORDER,
        line_width_min_pixels=1, get_line_width=1)


def country_summary(members: pd.DataFrame) -> pd.DataFrame:
    """Per country code: members shown, members with an index, average latest index (NaN when none)."""
    if members.empty:
        return pd.DataFrame(columns=["country_code", "country", "members", "assessed", "average_index"])
    grouped = members.groupby("country_code", sort=True)
    return pd.DataFrame({
        "country": grouped["country"].first(),
        "members": grouped.size(),
        "assessed": grouped["overall_index"].count(),
        "average_index": grouped["overall_index"].mean(),
    }).reset_index()


# ------------------------------------------------------------------------------------------- view
def _mercator_y(lat: float) -> float:
    """Web Mercator y of a latitude on the unit square (0 at the top, 1 at the bottom)."""
    lat = max(min(lat, 85.0), -85.0)
    return (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2


def _latitude_of(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp((1 - 2 * y) * math.pi)) - math.pi / 2)


def fit_view(lons, lats, width_px: int = 760, height_px: int = 560, padding_px: int = 40,
             max_zoom: float = MAX_ZOOM, min_span_deg: float = 1.5) -> pdk.ViewState:
    """The view (centre and zoom) that shows every point inside a map of the given size, with a margin.

    No point: the whole of Europe. Points very close together get at least `min_span_deg` around them. The
    view stays within EUROPE_BOUNDS (the drawn outlines) unless every point lies outside it.
    """
    lons = [float(x) for x in lons if not is_missing(x)]
    lats = [float(y) for y in lats if not is_missing(y)]
    if not lons:
        west, south, east, north = EUROPE_BOUNDS
    else:
        west, east, south, north = min(lons), max(lons), min(lats), max(lats)
        # Outlying islands (the Canaries at 28°N) lie outside the outlines: keep the view on the drawn map
        # unless nothing would be left of it.
        box_w, box_s, box_e, box_n = EUROPE_BOUNDS
        clamped = max(west, box_w), min(east, box_e), max(south, box_s), min(north, box_n)
        if clamped[0] < clamped[1] and clamped[2] < clamped[3]:
            west, east, south, north = clamped
        if east - west < min_span_deg:
            mid = (east + west) / 2
            west, east = mid - min_span_deg / 2, mid + min_span_deg / 2
        if north - south < min_span_deg:
            mid = (north + south) / 2
            south, north = mid - min_span_deg / 2, mid + min_span_deg / 2
    x_span = (east - west) / 360
    y_top, y_bottom = _mercator_y(north), _mercator_y(south)
    y_span = y_bottom - y_top
    usable_w, usable_h = max(width_px - 2 * padding_px, 50), max(height_px - 2 * padding_px, 50)
    zoom = min(math.log2(usable_w / (x_span * TILE_SIZE)), math.log2(usable_h / (y_span * TILE_SIZE)), max_zoom)
    return pdk.ViewState(longitude=round((east + west) / 2, 4), latitude=round(_latitude_of((y_top + y_bottom) / 2), 4),
                         zoom=round(zoom, 2), min_zoom=min(2, round(zoom, 2)), max_zoom=12, pitch=0, bearing=0)


def project(lon: float, lat: float, view, width_px: float, height_px: float) -> tuple[float, float]:
    """Screen position (px from the map's top-left) of a point in a flat Web Mercator view (a ViewState or
    the deck's initialViewState dict): tests use it to find a city on the canvas."""
    if not isinstance(view, dict):
        view = {"zoom": view.zoom, "longitude": view.longitude, "latitude": view.latitude}
    scale = TILE_SIZE * 2 ** float(view["zoom"])
    cx, cy = (float(view["longitude"]) + 180) / 360 * scale, _mercator_y(float(view["latitude"])) * scale
    x, y = (lon + 180) / 360 * scale, _mercator_y(lat) * scale
    return width_px / 2 + (x - cx), height_px / 2 + (y - cy)


# ------------------------------------------------------------------------------------------- decks
class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck indents by 2, which makes the outlines 6 times larger
    (1.6 MB instead of 270 KB) on every rerun. Streamlit sends whatever `to_json` returns."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


class FrozenDeck:
    """A deck serialised once, to be cached between reruns (10,000 points take ~0.5 s to build and serialise).

    st.pydeck_chart reads only `to_json()`, the `_tooltip` dict and `layers` (None: nothing to convert)."""
    layers = None
    deck_widget = None
    mapbox_key = None

    def __init__(self, deck: pdk.Deck):
        self._json = CompactDeck.to_json(deck)
        self._tooltip = getattr(deck, "_tooltip", None)

    def to_json(self) -> str:
        return self._json


def members_deck(points: pd.DataFrame, member_countries: set[str], view: pdk.ViewState,
                 shading: CountryShading | None = None) -> pdk.Deck:
    """The members' map: outlines (or the country layer) under one circle per member; no online basemap."""
    layers = [countries_layer(member_countries)]
    if shading is not None:
        layers.append(country_values_layer(shading))
    layers.append(members_layer(points))
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None,
                    tooltip=tooltip(), views=[pdk.View(type="MapView", controller=True)])


def near_members(city: pd.Series, others: pd.DataFrame) -> pd.DataFrame:
    """The other members in or near city_deck's view (the faint points it draws)."""
    return others[((others["longitude"] - float(city["longitude"])).abs() <= 25)
                  & ((others["latitude"] - float(city["latitude"])).abs() <= 14)]


def city_deck(city: pd.Series, others: pd.DataFrame, zoom: float = 4.6) -> pdk.Deck:
    """A small map around one member: its country shaded, the other members faint, the city marked.

    Only the other members near enough to be in view are sent (a few hundred, not 10,000)."""
    near = near_members(city, others)
    faint = pd.DataFrame({"lon": near["longitude"].astype(float).round(4),
                          "lat": near["latitude"].astype(float).round(4)})
    mark = pd.DataFrame({"lon": [round(float(city["longitude"]), 4)], "lat": [round(float(city["latitude"]), 4)]})
    layers = [
        countries_layer({str(city["country_code"])}),
        pdk.Layer("ScatterplotLayer", data=faint, id="other-members", get_position=["lon", "lat"], get_radius=4,
                  radius_units="'pixels'", get_fill_color=[90, 98, 110, 150]),
        pdk.Layer("ScatterplotLayer", data=mark, id=HIGHLIGHT_LAYER, get_position=["lon", "lat"], get_radius=10,
                  radius_units="'pixels'", get_fill_color=hex_to_rgba(IN_GROUP, 255), stroked=True,
                  get_line_color=[255, 255, 255, 255], line_width_units="'pixels'", get_line_width=3),
    ]
    view = pdk.ViewState(longitude=float(city["longitude"]), latitude=float(city["latitude"]), zoom=zoom,
                         min_zoom=2, max_zoom=12, pitch=0, bearing=0)
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None,
                    views=[pdk.View(type="MapView", controller=True)])


# ------------------------------------------------------------------------------------------ legend
def legend_html(title: str, entries: list[tuple[str, str]], size_title: str,
                size_entries: list[tuple[str, float]], country_title: str | None = None,
                country_entries: list[tuple[str, str]] | None = None) -> str:
    """The map's legend as HTML (pydeck draws none). Every label is escaped: some come from the data."""
    def swatches(items: list[tuple[str, str]], square: bool = False) -> str:
        shape = "border-radius:3px" if square else "border-radius:50%"
        return "".join(
            f'<div class="legend-row"><span class="legend-swatch" style="background:{html.escape(colour)};{shape}">'
            f'</span><span>{html.escape(label)}</span></div>' for label, colour in items)

    sizes = "".join(
        f'<div class="legend-row"><span class="legend-size"><span style="width:{2 * r:.0f}px;height:{2 * r:.0f}px">'
        f'</span></span><span>{html.escape(label)}</span></div>' for label, r in size_entries)
    parts = [f'<div class="map-legend" role="group" aria-label="{html.escape(title)}">',
             f"<h4>{html.escape(title)}</h4>", swatches(entries),
             f"<h4>{html.escape(size_title)}</h4>", sizes]
    if country_title and country_entries:
        parts += [f"<h4>{html.escape(country_title)}</h4>", swatches(country_entries, square=True)]
    parts.append("</div>")
    return "".join(parts)


LEGEND_CSS = """
<style>
.map-legend { font-size: 1.05rem; line-height: 1.35; }
.map-legend h4 { font-size: 1.08rem; font-weight: 700; margin: 0.6rem 0 0.35rem 0; padding: 0; }
.map-legend .legend-row { display: flex; align-items: center; gap: 0.6rem; margin: 0.22rem 0; }
.map-legend .legend-swatch { display: inline-block; width: 18px; height: 18px; flex: none;
  border: 1px solid rgba(35, 40, 48, 0.85); }
.map-legend .legend-size { display: inline-flex; width: 42px; justify-content: center; align-items: center;
  flex: none; }
.map-legend .legend-size span { display: inline-block; border-radius: 50%; background: #9AA3AE;
  border: 1px solid rgba(35, 40, 48, 0.85); }
</style>
"""


def size_legend(populations=SIZE_LEGEND_POPULATIONS) -> list[tuple[str, float]]:
    """(label, radius px) for a few reference populations."""
    radii = point_radius(list(populations))
    return [(t("map.legend_people", value=fmt_number(p)), float(r)) for p, r in zip(populations, radii)]



# ------------------------------------------------------------------------------- page-level helpers
MEASURES = ("index", "dimension", "activities", "joined", "network")
COUNTRY_MODES = ("outline", "members", "index")


def measure_scale(measure: str, members: pd.DataFrame, *, levels: pd.Series | None = None,
                  level_labels: dict[int, str] | None = None, network: str | None = None,
                  network_label: str = "") -> ColourScale:
    """The colour scale of the measure a user picked, for these members (in their order).

    ``levels``: the chosen dimension's level per member id (for "dimension"); ``network``: the network id
    whose members stand out (for "network"), read from the ';'-separated ``networks`` column.
    """
    title = t(f"map.measure.{measure}") if measure in MEASURES else t("map.measure.index")
    if measure == "dimension":
        per_member = members["id"].map(levels if levels is not None else pd.Series(dtype=float))
        return level_scale(per_member, level_labels or {}, title, t("map.legend_not_applicable"))
    if measure == "activities":
        return count_scale(members["activities"], title)
    if measure == "joined":
        return year_scale(members["joined_year"], title)
    if measure == "network":
        flags = members["networks"].map(lambda ids: network in network_ids(ids))
        return membership_scale(flags, t("map.legend_in_network", network=network_label),
                                t("map.legend_not_in_network"), title)
    return index_scale(members["overall_index"], title, t("map.legend_not_assessed"))


def showing_caption(statuses, total: int) -> str:
    """The map's count, saying what it includes: the overview counts current members (members and observers),
    the map also shows former members, so both numbers are given."""
    statuses = list(statuses)
    current = sum(1 for s in statuses if s != "former")
    return t("map.showing", shown=fmt_number(len(statuses)), total=fmt_number(total), current=fmt_number(current),
             former=fmt_number(len(statuses) - current))


def network_ids(value) -> list[str]:
    """The network ids of a member from the ';'-separated column of map_members."""
    return [i for i in value.split(";") if i] if isinstance(value, str) else []


def country_shading(mode: str, members: pd.DataFrame) -> CountryShading | None:
    """The optional country layer: members per country, or their average latest index; None for outlines."""
    if mode not in ("members", "index") or members.empty:
        return None
    summary = country_summary(members)
    if mode == "members":
        values = dict(zip(summary["country_code"], summary["members"].astype(float)))
        tips = {row.country_code: tn("map.tip_country_members", row.members, country=row.country)
                for row in summary.itertuples()}
        return CountryShading(values, tips, country_scale(values, t("map.legend_countries_members")))
    assessed = summary.dropna(subset=["average_index"])
    values = dict(zip(assessed["country_code"], assessed["average_index"]))
    tips = {}
    for row in summary.itertuples():
        if is_missing(row.average_index):
            tips[row.country_code] = t("map.tip_country_no_index", country=row.country)
        else:
            tips[row.country_code] = t("map.tip_country_index", country=row.country,
                                       value=fmt_number(row.average_index), assessed=fmt_number(row.assessed),
                                       members=fmt_number(row.members))
    return CountryShading(values, tips, country_scale(values, t("map.legend_countries_index"),
                                                      edges=[0, 20, 40, 60, 80, 100]))
