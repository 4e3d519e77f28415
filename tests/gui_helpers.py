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


def type_on(kiosk, keyboard, text):
    """Type ``text`` on the on-screen keyboard: each character by its own key, pressed and
    released without the frames a finger takes (``tap_keys`` taps them), then one frame."""
    for char in text:
        key = keyboard.key_for("space" if char == " " else char)
        assert not key.disabled and key.get_root_window() is not None, char
        key.dispatch("on_press")
        key.dispatch("on_release")
    kiosk.pump(1)


def tap_keys(kiosk, keyboard, text):
    """Type ``text`` on the on-screen keyboard as a finger does, one tap per key."""
    for char in text:
        kiosk.tap(keyboard.key_for("space" if char == " " else char))


def step(kiosk, button):
    """Tap a button that moves a form on a step, at a human pace (the step guard ignores a
    second tap within half a second: time travel, not sleeping)."""
    kiosk.app.idle.clock.advance(1)
    kiosk.tap(button)


def tile(root, value):
    """The choice tile for ``value`` under ``root``."""
    from screens.widgets.common import ChoiceTile

    return next(t for t in find(root, ChoiceTile) if t.value == value)


def choose_language(kiosk, lang):
    """The visitor taps the language in the top bar, then ``lang`` in the panel."""
    from screens.widgets.common import LanguageButton, TopBar

    app = kiosk.app
    bar = find(app.screen(app.current_screen), TopBar)[0]
    (current,) = find(bar, LanguageButton)
    kiosk.tap(current)
    (choice,) = [b for b in find(app.options_panel, LanguageButton) if b.lang == lang]
    kiosk.tap(choice)
    kiosk.tap(app.options_panel.ids.close_button)


def walk_every_screen(kiosk, check):
    """Open every visitor screen in turn (and the language panel), calling ``check(name)`` on
    each once it is laid out: for the tests that must hold on all of them."""
    from kiosk import navigation as nav

    app = kiosk.app
    check(nav.HOME)
    app.show_options()
    check("options panel")
    app.hide_options()
    for by in ("theme", "neighbourhood"):
        app.browse(by)
        check(f"{nav.BROWSE}-{by}")
    app.show_list(theme="eten")
    check(nav.LISTING)
    app.open_community(app.store.community_ids()[0])
    check(nav.COMMUNITY)
    for name in (nav.SEARCH, nav.TALENTS, nav.WHATS_ON, nav.GROUP_TIP):
        app.open(name)
        check(name)
    from screens.wish import count_me_in

    app.session.query = "xylofoon"  # a search that found nothing: "I'd join this"
    count_me_in(app, "search")
    check(f"{nav.WISH}-what")
    app.screen(nav.WISH).step = "sent"  # its thanks, with 'the reception may contact me'
    check(f"{nav.WISH}-sent")
    app.session.query = ""
    app.session.liked_themes.add("eten")
    app.show_matches()
    check(nav.MATCHES)
    app.keep(app.store.community_ids()[0])
    app.meet(app.store.community_ids()[:1])
    check(nav.CONTACT)
    app.finish()
    check(nav.DONE)
