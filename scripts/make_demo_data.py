"""Write the bundled demo: a *schematic* Tombouctou region with illustrative 2017–2018 layers.

    python scripts/make_demo_data.py            # writes data/demo/*
    python scripts/make_demo_data.py --check    # exits 1 if data/demo differs from what it would write

The five cercles of Tombouctou region (OCHA 2015 P-codes) are drawn as Voronoi cells around their
real chef-lieu positions, clipped to a box: the geometry is schematic, not the real borders. The
figures are illustrative; they follow the account of the February 2018 mission that chose Diré:
2 security incidents in 2017 (fewer than every other cercle), police, gendarmerie and military
present, basic services present, no school closed on 26 February 2018, no access impediment in
2017, and both humanitarian and development actors active. The other cercles are less favourable
in varied ways. Everything is drawn from a fixed seed, so the files are identical on every run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, box, mapping

OUT = Path(__file__).resolve().parent.parent / "data" / "demo"
SEED = 20180226

# P-code, name, chef-lieu (lat, lon): real positions, rounded.
CERCLES = [
    ("ML0601", "Tombouctou", 16.7735, -3.0074),
    ("ML0602", "Diré", 16.2797, -3.3989),
    ("ML0603", "Goundam", 16.4145, -3.6708),
    ("ML0604", "Gourma-Rharous", 16.8792, -1.9285),
    ("ML0605", "Niafunké", 15.9322, -3.9906),
]
REGION = ("ML06", "Tombouctou")
EXTENT = box(-5.2, 15.2, -0.6, 18.2)  # schematic region box (lon/lat)

# Illustrative 2017 figures per cercle (the account of the 2018 mission for Diré).
INCIDENTS_2017 = {"ML0601": 24, "ML0602": 2, "ML0603": 9, "ML0604": 15, "ML0605": 12}
OTHER_EVENTS_2017 = {"ML0601": 4, "ML0602": 1, "ML0603": 1, "ML0604": 0, "ML0605": 2}  # protests etc., not incidents
INCIDENTS_2018 = {"ML0601": 30, "ML0602": 4, "ML0603": 12, "ML0604": 19, "ML0605": 16}
SCHOOLS_CLOSED = {"ML0601": 3, "ML0602": 0, "ML0603": 6, "ML0604": 11, "ML0605": 4}
SCHOOLS_TOTAL = {"ML0601": 61, "ML0602": 38, "ML0603": 44, "ML0604": 29, "ML0605": 47}
SERVICES = {  # health, school, water points
    "ML0601": (4, 8, 5),
    "ML0602": (3, 5, 4),
    "ML0603": (2, 4, 0),
    "ML0604": (0, 2, 1),
    "ML0605": (2, 3, 2),
}
FORCES = {  # police, gendarmerie, military
    "ML0601": ("oui", "oui", "oui"),
    "ML0602": ("oui", "oui", "oui"),
    "ML0603": ("non", "oui", "oui"),
    "ML0604": ("non", "non", "oui"),
    "ML0605": ("oui", "non", "oui"),
}
ACCESS_2017 = {"ML0601": 3, "ML0602": 0, "ML0603": 2, "ML0604": 5, "ML0605": 2}
ACCESS_2018 = {"ML0601": 2, "ML0602": 1, "ML0603": 1, "ML0604": 3, "ML0605": 1}
# 3W: (organisation, acronym, organisation type, sector) per cercle
ACTORS = {
    "ML0601": [
        ("Programme alimentaire mondial", "PAM", "Agence ONU", "Sécurité alimentaire"),
        ("Comité international de la Croix-Rouge", "CICR", "Croix-Rouge", "Santé"),
        ("Norwegian Refugee Council", "NRC", "ONGI", "Protection"),
        ("Programme des Nations unies pour le développement", "PNUD", "Agence ONU", "Gouvernance"),
    ],
    "ML0602": [
        ("Programme alimentaire mondial", "PAM", "Agence ONU", "Sécurité alimentaire"),
        ("Norwegian Refugee Council", "NRC", "ONGI", "Protection"),
        ("Programme des Nations unies pour le développement", "PNUD", "Agence ONU", "Relèvement précoce"),
        ("Deutsche Gesellschaft für Internationale Zusammenarbeit", "GIZ", "Coopération bilatérale", "Résilience"),
        ("Association Malienne pour la Survie au Sahel", "AMSS", "ONGN", "Éducation"),
    ],
    "ML0603": [
        ("Programme alimentaire mondial", "PAM", "Agence ONU", "Sécurité alimentaire"),
        ("Action contre la Faim", "ACF", "ONGI", "Nutrition"),
    ],
    "ML0604": [
        ("Comité international de la Croix-Rouge", "CICR", "Croix-Rouge", "Santé"),
    ],
    "ML0605": [
        ("Agence luxembourgeoise pour la coopération au développement", "LuxDev", "Coopération bilatérale", "Moyens d'existence"),
        ("Action contre la Faim", "ACF", "ONGI", "Nutrition"),
        ("Programme des Nations unies pour le développement", "PNUD", "Agence ONU", "Gouvernance"),
    ],
}
INCIDENT_TYPES = [
    ("Battles", "Armed clash"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Violence against civilians", "Attack"),
    ("Violence against civilians", "Abduction/forced disappearance"),
]
OTHER_TYPES = [("Protests", "Peaceful protest"), ("Strategic developments", "Agreement")]
ACCESS_CATEGORIES = [
    "Restriction de mouvement dans le pays",
    "Violence contre le personnel, les biens et les installations humanitaires",
    "Ingérence dans la mise en œuvre des activités humanitaires",
    "Opérations militaires et hostilités",
    "Contraintes physiques de l'environnement",
]


def cercle_polygons() -> dict[str, shapely.Polygon]:
    """Voronoi cells of the chefs-lieux, clipped to the region box: they tile it with shared edges."""
    seeds = MultiPoint([(lon, lat) for _, _, lat, lon in CERCLES])
    cells = shapely.voronoi_polygons(seeds, extend_to=EXTENT.buffer(5))
    out = {}
    for pcode, _, lat, lon in CERCLES:
        cell = next(c for c in shapely.get_parts(cells) if c.contains(Point(lon, lat)))
        out[pcode] = shapely.set_precision(cell.intersection(EXTENT), 1e-4)
    return out


def random_points(rng: np.random.Generator, polygon, n: int) -> list[tuple[float, float]]:
    """``n`` points drawn uniformly inside ``polygon`` shrunk by 0.03° (so none lies on a border)."""
    inner = polygon.buffer(-0.03)
    minx, miny, maxx, maxy = inner.bounds
    pts: list[tuple[float, float]] = []
    while len(pts) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if inner.contains(Point(x, y)):
            pts.append((round(y, 4), round(x, 4)))  # (lat, lon)
    return pts


def random_dates(rng: np.random.Generator, year: int, n: int) -> list[date]:
    start = date(year, 1, 1)
    days = 366 if year % 4 == 0 else 365
    return sorted(start + timedelta(days=int(d)) for d in rng.integers(0, days, n))


def _csv(rows: list[dict], header: list[str], hxl: list[str] | None = None) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    if hxl:
        buf.write(",".join(hxl) + "\n")
    writer.writerows(rows)
    return buf.getvalue()


def build() -> dict[str, str]:
    """Return file name → text of every demo file."""
    rng = np.random.default_rng(SEED)
    polygons = cercle_polygons()
    names = {p: n for p, n, _, _ in CERCLES}
    files: dict[str, str] = {}

    features = [
        {
            "type": "Feature",
            "properties": {
                "admin2Pcod": pcode,
                "admin2Name": names[pcode],
                "admin1Pcod": REGION[0],
                "admin1Name": REGION[1],
                "admin0Pcod": "ML",
                "validOn": "2015-04-08",
                "note": "schematic geometry (Voronoi cells around the chefs-lieux), not the real border",
            },
            "geometry": mapping(polygons[pcode]),
        }
        for pcode, *_ in CERCLES
    ]
    files["cercles.geojson"] = json.dumps({"type": "FeatureCollection", "name": "cercles", "features": features}, ensure_ascii=False, indent=1) + "\n"

    # ACLED-shaped events
    header = ["event_id_cnty", "event_date", "year", "event_type", "sub_event_type", "actor1", "admin1", "admin2",
              "location", "latitude", "longitude", "geo_precision", "source", "fatalities"]
    rows = []
    for year, table in ((2017, INCIDENTS_2017), (2018, INCIDENTS_2018)):
        for pcode, *_ in CERCLES:
            n_inc = table[pcode]
            n_other = OTHER_EVENTS_2017[pcode] if year == 2017 else 0
            pts = random_points(rng, polygons[pcode], n_inc + n_other)
            dates = random_dates(rng, year, n_inc + n_other)
            for k, ((lat, lon), day) in enumerate(zip(pts, dates)):
                etype, sub = INCIDENT_TYPES[int(rng.integers(len(INCIDENT_TYPES)))] if k < n_inc else OTHER_TYPES[k % 2]
                fatalities = int(rng.choice([0, 0, 0, 1, 2, 3, 5])) if k < n_inc else 0
                rows.append({
                    "event_date": day.isoformat(), "year": year, "event_type": etype, "sub_event_type": sub,
                    "actor1": "Unidentified armed group (Mali)" if k < n_inc else "Protesters (Mali)",
                    "admin1": "Timbuktu", "admin2": _ascii(names[pcode]), "location": _ascii(names[pcode]),
                    "latitude": lat, "longitude": lon, "geo_precision": 2, "source": "illustrative", "fatalities": fatalities,
                })
    rows.sort(key=lambda r: (r["event_date"], r["admin2"], r["latitude"]))
    for i, r in enumerate(rows, 1):
        r["event_id_cnty"] = f"DEMO{i:04d}"
    files["incidents.csv"] = _csv(rows, header)

    # school closures as of 26 February 2018 (Education Cluster style, per cercle)
    rows = [
        {"admin1Name": REGION[1], "admin2Name": names[p], "admin2Pcod": p, "date": "2018-02-26",
         "schools_total": SCHOOLS_TOTAL[p], "schools_closed": SCHOOLS_CLOSED[p]}
        for p, *_ in CERCLES
    ]
    files["school_closures_2018-02-26.csv"] = _csv(rows, list(rows[0]))

    # services as points with a category (health centres, schools, water points)
    rows = []
    kinds = (("Centre de santé", "CSCOM"), ("École", "École fondamentale"), ("Point d'eau", "Forage"))
    for pcode, *_ in CERCLES:
        for (category, subtype), n in zip(kinds, SERVICES[pcode]):
            for j, (lat, lon) in enumerate(random_points(rng, polygons[pcode], n), 1):
                rows.append({"name": f"{subtype} {names[pcode]} {j}", "category": category, "latitude": lat, "longitude": lon})
    files["services_points.csv"] = _csv(rows, ["name", "category", "latitude", "longitude"])

    # security forces present / absent, compiled by the mission per cercle
    rows = [
        {"admin2Pcod": p, "cercle": names[p], "police": FORCES[p][0], "gendarmerie": FORCES[p][1], "military": FORCES[p][2]}
        for p, *_ in CERCLES
    ]
    files["security_forces.csv"] = _csv(rows, list(rows[0]))

    # access impediments (OCHA access monitoring style: date, place, category)
    rows = []
    for year, table in ((2017, ACCESS_2017), (2018, ACCESS_2018)):
        for pcode, *_ in CERCLES:
            n = table[pcode]
            for (lat, lon), day in zip(random_points(rng, polygons[pcode], n), random_dates(rng, year, n)):
                rows.append({"date": day.isoformat(), "cercle": names[pcode], "latitude": lat, "longitude": lon,
                             "category": ACCESS_CATEGORIES[int(rng.integers(len(ACCESS_CATEGORIES)))]})
    rows.sort(key=lambda r: (r["date"], r["cercle"]))
    files["access_impediments.csv"] = _csv(rows, ["date", "cercle", "latitude", "longitude", "category"])

    # 3W with the HXL hashtag row HDX files carry
    header = ["Organisation", "Acronyme", "Type d'organisation", "Secteur", "Région", "Cercle", "admin2Pcod", "Statut"]
    hxl = ["#org+name", "#org+acronym", "#org+type", "#sector", "#adm1+name", "#adm2+name", "#adm2+code", "#status"]
    rows = [
        {"Organisation": org, "Acronyme": acr, "Type d'organisation": otype, "Secteur": sector, "Région": REGION[1],
         "Cercle": names[p], "admin2Pcod": p, "Statut": "En cours"}
        for p, *_ in CERCLES
        for org, acr, otype, sector in ACTORS[p]
    ]
    files["actors_3w.csv"] = _csv(rows, header, hxl)
    return files


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with data/demo instead of writing")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [n for n, text in files.items() if not (args.out / n).is_file() or (args.out / n).read_text(encoding="utf-8") != text]
        if stale:
            print(f"data/demo differs from the generator for: {', '.join(stale)}", file=sys.stderr)
            return 1
        print("data/demo is up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
