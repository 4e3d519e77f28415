"""What the GUI tests share: finding widgets, starting a visit."""

from kiosk import navigation as nav


def screen(app, name):
    return app.screen(name)


def find(root, kind, **attrs):
    """Every widget of ``kind`` under ``root`` whose attributes have these values."""
    return [
        w
        for w in root.walk(restrict=True)
        if isinstance(w, kind) and all(getattr(w, k) == v for k, v in attrs.items())
    ]


def start(kiosk):
    """A finger on the attract screen: a visit begins."""
    kiosk.tap(screen(kiosk.app, nav.ATTRACT))
    assert kiosk.app.current_screen == nav.HOME
