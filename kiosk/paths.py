"""Where the kiosk's bundled files live: ``assets/`` beside the packages in a checkout, and
``kiosk/assets`` in an installed wheel (pyproject.toml maps the one onto the other). Nothing is
written here at run time: an installed copy may sit in a read-only site-packages."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# An installed wheel carries its assets inside the package, its gettext catalogues compiled
# when it was built; a checkout has only the .po sources to go by.
FROM_WHEEL = (_PACKAGE / "assets").is_dir()
ASSETS = _PACKAGE / "assets" if FROM_WHEEL else _PACKAGE.parent / "assets"
DEMO_DIR = ASSETS / "demo"
LOCALE_DIR = ASSETS / "locale"
FONT_DIR = ASSETS / "fonts"
FONT_REGULAR = FONT_DIR / "OntmoetSans-Regular.ttf"  # Noto Sans + Noto Sans Arabic
FONT_BOLD = FONT_DIR / "OntmoetSans-Bold.ttf"
