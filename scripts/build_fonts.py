"""Build the kiosk's fonts: Noto Sans and Noto Sans Arabic merged into one file per weight.

A Kivy Label draws with exactly one font file, without fallback (../shared/STYLE.md), and an
Arabic screen still shows Latin names, e-mail addresses and digits: so one font must hold both
scripts. Noto Sans covers Latin (Dutch, English, Turkish, Polish) and Cyrillic (Ukrainian);
Noto Sans Arabic adds Arabic. Both are under the SIL Open Font License (assets/fonts/OFL.txt).

Run once by a developer (needs fonttools and Debian's fonts-noto-core); the result is
committed, so nothing is downloaded or built on a kiosk:

    .venv/bin/python scripts/build_fonts.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.merge import Merger
from fontTools.ttLib import TTFont

NOTO = Path("/usr/share/fonts/truetype/noto")
OUT = Path(__file__).resolve().parent.parent / "assets" / "fonts"
WEIGHTS = ("Regular", "Bold")
ARABIC_DESCENT = -440  # the deepest Arabic letter of Noto Sans Arabic reaches -421 units


def build(weight: str) -> Path:
    sources = [NOTO / f"NotoSans-{weight}.ttf", NOTO / f"NotoSansArabic-{weight}.ttf"]
    merged = Merger().merge([str(p) for p in sources])
    # The merger takes the tallest line of the two (Noto Sans Arabic's, 2.1 em): Dutch would
    # get double spacing. Keep Noto Sans's ascent and go just below the deepest Arabic letter.
    latin = TTFont(str(sources[0]))
    ascent = latin["hhea"].ascent
    descent = min(latin["hhea"].descent, ARABIC_DESCENT)
    merged["hhea"].ascent, merged["hhea"].descent, merged["hhea"].lineGap = ascent, descent, 0
    os2 = merged["OS/2"]
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = ascent, descent, 0
    os2.usWinAscent, os2.usWinDescent = ascent, -descent
    # The merged font is a new font: it must not claim to be Noto Sans (OFL reserved names).
    family, full = "Ontmoet Sans", f"Ontmoet Sans {weight}"
    for record in merged["name"].names:
        if record.nameID in (1, 16):
            record.string = family
        elif record.nameID == 4:
            record.string = full
        elif record.nameID == 6:
            record.string = f"OntmoetSans-{weight}"
        elif record.nameID == 3:
            record.string = f"Ontmoet Sans {weight}; built from Noto Sans and Noto Sans Arabic"
    target = OUT / f"OntmoetSans-{weight}.ttf"
    merged.save(str(target))
    TTFont(str(target))  # reads back, or raises
    return target


if __name__ == "__main__":
    missing = [p for w in WEIGHTS for p in (NOTO / f"NotoSansArabic-{w}.ttf",) if not p.exists()]
    if missing:
        sys.exit(f"Missing {missing[0]}: apt-get install fonts-noto-core")
    for weight in WEIGHTS:
        print(build(weight))
