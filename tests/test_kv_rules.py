"""Every kv file finds the rules it uses: a widget whose .kv names a class that common.kv
defines imports screens.widgets.common itself. The shared rules are parsed lazily (not before
the first frame), so a widget that relied on some screen having imported them first crashed
when it was built before any screen: 'ontmoet-kiosk screenshots' did, on the idle warning."""

from __future__ import annotations

import re
from pathlib import Path

SCREENS = Path(__file__).resolve().parent.parent / "screens"
RULE = re.compile(r"^<([A-Za-z]+)[@>]", re.MULTILINE)
USE = re.compile(r"^\s+([A-Z][A-Za-z]+):\s*$", re.MULTILINE)


def test_a_widget_that_uses_the_shared_rules_imports_them():
    shared = set(RULE.findall((SCREENS / "widgets" / "common.kv").read_text()))
    assert {"Heading", "Body", "BigButton", "TopBar"} <= shared
    missing = []
    for kv in sorted(SCREENS.rglob("*.kv")):
        if kv.name == "common.kv":
            continue
        used = set(USE.findall(kv.read_text())) & shared
        module = kv.with_suffix(".py").read_text()
        imports = (
            "screens.widgets.common" in module or "from screens.widgets import common" in module
        )
        if used and not imports:
            missing.append(f"{kv.relative_to(SCREENS)} uses {sorted(used)}")
    assert not missing, missing
