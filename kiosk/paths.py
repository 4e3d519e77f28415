"""Where the kiosk's bundled files live."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
DEMO_DIR = ASSETS / "demo"
LOCALE_DIR = ASSETS / "locale"
FONT_REGULAR = ASSETS / "fonts" / "OntmoetSans-Regular.ttf"  # Noto Sans + Noto Sans Arabic
FONT_BOLD = ASSETS / "fonts" / "OntmoetSans-Bold.ttf"
