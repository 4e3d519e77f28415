"""The environment Kivy reads when it is first imported: window size, density, kiosk mode.

Kept apart from the app so the command line can decide it before anything imports Kivy.
"""

from __future__ import annotations

import os
import tempfile


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"size must look like 1080x1920, not {text!r}") from None
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise ValueError(f"size {text!r} is out of range")
    return width, height


def kivy_environment(
    size: tuple[int, int], scale: float = 1.0, fullscreen: bool = False, headless: bool = False
) -> dict[str, str]:
    """Variables for Kivy: the panel's size in pixels times ``scale`` (a 1080x1920 layout
    at 0.5 fits a laptop screen), no Escape to quit, no cursor on a kiosk panel."""
    width, height = size
    if os.environ.get("KCFG_GRAPHICS_ROTATION", "0").strip() in ("90", "270"):
        # A panel turned a quarter: Kivy lays out ``size`` (upright) but sizes the window
        # before it turns it, so the window must be the panel's own, the other way round
        # (else the picture lands off-centre and cut off: tests/test_panel_path.py).
        width, height = height, width
    env = {
        "KIVY_NO_ARGS": "1",
        # Kivy would otherwise swallow stderr into its log: errors must reach the operator.
        "KIVY_LOG_MODE": "MIXED",
        "KIVY_METRICS_DENSITY": str(scale),
        "KCFG_GRAPHICS_WIDTH": str(round(width * scale)),
        "KCFG_GRAPHICS_HEIGHT": str(round(height * scale)),
        "KCFG_GRAPHICS_RESIZABLE": "0",
        "KCFG_KIVY_EXIT_ON_ESCAPE": "0",
        "KCFG_KIVY_LOG_LEVEL": "warning",
    }
    if "KIVY_HOME" not in os.environ:
        # Kivy writes a config file on first start; keep it out of the user's home.
        env["KIVY_HOME"] = os.path.join(tempfile.gettempdir(), "ontmoet-kivy")
    if fullscreen:
        env["KCFG_GRAPHICS_FULLSCREEN"] = "auto"
        env["KCFG_GRAPHICS_SHOW_CURSOR"] = "0"
        env["KCFG_GRAPHICS_BORDERLESS"] = "1"
    if headless:
        # No frame-rate cap offscreen: tests and benchmarks should not sleep between frames.
        env.update(
            SDL_VIDEODRIVER="offscreen",
            KIVY_WINDOW="sdl2",
            KIVY_NO_CONSOLELOG="1",
            KCFG_GRAPHICS_MAXFPS="0",
        )
    return env


def one_touch_provider() -> None:
    """On the panel, a finger must be one touch. On Linux, Kivy's SDL window drops SDL's
    finger events and takes the mouse events SDL makes of each touch (the ``mouse``
    provider); Kivy's default configuration also reads every evdev device probesysfs finds,
    which turns the same finger into a second touch: a double tap. So only the mouse
    provider stays, without the red dots it draws for a right click (multitouch on
    demand). Call after the environment is set and before the window opens."""
    from kivy.config import Config as KivyConfig

    for option in KivyConfig.options("input"):
        KivyConfig.remove_option("input", option)
    KivyConfig.set("input", "mouse", "mouse,multitouch_on_demand")
