"""Build golden/catalogue.csv from vega-datasets' movies.json plus the hand-written sources.

    python scripts/build_catalogue.py --movies PATH/TO/movies.json

Steps: fix the mis-encoded titles (Mac Roman read as Windows-1252), map vega's
genres to the catalogue vocabulary, apply year fixes and aliases from
golden/catalogue_src/, then add the hand-written classics and 2010-2025 films.
A hand-written film already present (same normalised title, year within 1) is
merged into the existing row instead of duplicated.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checks.catalogue import CSV_FIELDS, normalise, split_year  # noqa: E402

SRC = ROOT / "golden" / "catalogue_src"
MAJOR = {
    "Drama": ["Drama"], "Comedy": ["Comedy"], "Action": ["Action"], "Adventure": ["Adventure"],
    "Thriller/Suspense": ["Thriller"], "Horror": ["Horror"], "Romantic Comedy": ["Romance", "Comedy"],
    "Musical": ["Musical"], "Documentary": ["Documentary"], "Western": ["Western"],
    "Black Comedy": ["Comedy"], "Concert/Performance": ["Documentary", "Musical"],
}
CREATIVE = {"Science Fiction": ["Science Fiction"], "Fantasy": ["Fantasy"], "Super Hero": ["Superhero"],
            "Kids Fiction": ["Family"]}


def fix_encoding(title: str) -> str:
    if title.isascii():
        return title
    try:
        return title.encode("mac_roman").decode("cp1252")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return title


def read_csv(name: str) -> list[dict]:
    path = SRC / name
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--movies", required=True, help="vega-datasets movies.json")
    ap.add_argument("--out", default=str(ROOT / "golden" / "catalogue.csv"))
    args = ap.parse_args(argv)
    raw = json.loads(Path(args.movies).read_text(encoding="utf-8"))
    year_fixes = {(normalise(r["title"]), int(r["year_in_source"])): int(r["correct_year"])
                  for r in read_csv("year_fixes.csv")}
    rows: list[dict] = []
    index: dict[str, list[dict]] = {}
    for item in raw:
        title = item.get("Title")
        if title is None:
            continue
        title = fix_encoding(str(title)).strip()
        bare, _ = split_year(title)  # "Lolita (1962)": the year has its own column
        if bare and bare != title and not bare[-1:].isdigit():
            title = bare
        date = item.get("Release Date") or ""
        year = int(date[-4:]) if date[-4:].isdigit() else None
        if year is not None:
            year = year_fixes.get((normalise(title), year), year)
        genres = list(MAJOR.get(item.get("Major Genre") or "", []))
        genres += [g for g in CREATIVE.get(item.get("Creative Type") or "", []) if g not in genres]
        row = {"title": title, "year": year, "genres": genres, "director": item.get("Director") or "",
               "aliases": [], "source": "vega-datasets", "rating": item.get("IMDB Rating") or "",
               "votes": item.get("IMDB Votes") or ""}
        key = normalise(title)
        dup = [r for r in index.get(key, []) if r["year"] == year]
        if dup:
            continue
        rows.append(row)
        index.setdefault(key, []).append(row)
    for r in read_csv("aliases.csv"):
        key = normalise(split_year(r["title"])[0])
        cands = index.get(key, [])
        if not cands:
            print(f"aliases.csv: {r['title']!r} ({r['year']}) not found; skipped", file=sys.stderr)
            continue
        target = min(cands, key=lambda c: abs((c["year"] or 0) - int(r["year"] or 0)))
        if r["alias"] not in target["aliases"]:
            target["aliases"].append(r["alias"].strip())
    added = merged = 0
    for name in ("classics.csv", "modern.csv"):
        for r in read_csv(name):
            key = normalise(r["title"])
            year = int(r["year"])
            genres = [g.strip() for g in r["genres"].split(";") if g.strip()]
            aliases = [a.strip() for a in (r.get("aliases") or "").split(";") if a.strip()]
            match = [c for c in index.get(key, []) if c["year"] and abs(c["year"] - year) <= 1]
            if match:
                c = match[0]
                c["genres"] += [g for g in genres if g not in c["genres"]]
                c["aliases"] += [a for a in aliases if a not in c["aliases"]]
                if not c["director"]:
                    c["director"] = r["director"]
                merged += 1
                continue
            row = {"title": r["title"].strip(), "year": year, "genres": genres, "director": r["director"].strip(),
                   "aliases": aliases, "source": f"hand:{name}", "rating": "", "votes": ""}
            rows.append(row)
            index.setdefault(key, []).append(row)
            added += 1
    rows.sort(key=lambda r: (normalise(r["title"]), r["year"] or 0))
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({**r, "year": r["year"] if r["year"] is not None else "", "genres": ";".join(r["genres"]),
                        "aliases": ";".join(r["aliases"])})
    print(f"wrote {len(rows)} films to {args.out} ({added} hand-written added, {merged} merged)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
