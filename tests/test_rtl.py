"""Arabic on the kiosk (issue 6): letters joined, lines in visual order with mirrored brackets,
long text wrapped in logical order (the first words on the first line), text aligned to the
right and the screens mirrored, except the keyboard; back to normal in Dutch."""

from __future__ import annotations

from gui_helpers import find, screen, start
from kivy.uix.label import Label

from kiosk import navigation as nav
from screens.widgets.common import ChoiceTile, TopBar
from screens.widgets.rtl import PREPARED, computed_visual, shaped, visual

DONE_2 = "انتهيت (2)"
SENTENCE = (
    "كل مجموعة هنا كتبت قصتها بنفسها. تصفح براحتك، لا حاجة إلى التسجيل. "
    "اسأل في مكتب الاستقبال إذا أردت المساعدة."
)


def test_letters_are_joined_and_lines_put_in_visual_order():
    assert shaped("مرحبا") != "مرحبا"  # contextual forms (presentation forms)
    line = visual(DONE_2)
    assert line.startswith("(2)")  # the end of the sentence is on the left, brackets mirrored
    assert visual("‹ رجوع").endswith("›")  # 'back' points right, at the start of the line
    assert visual("Ontmoet") == "Ontmoet"  # Latin alone is left as it is
    # A Latin name at the end of an Arabic sentence keeps its own order and, the sentence
    # running right to left, is drawn at its left end.
    assert visual("يمكن لـ De Herberg").startswith("De Herberg ")


def test_text_prepared_for_the_first_frame_is_what_bidi_would_draw():
    for text, drawn in PREPARED.items():
        assert computed_visual(text) == drawn
        assert visual(text) == drawn


def ink_columns(label: Label) -> tuple[int, int]:
    """The first and last texture columns with any ink."""
    texture = label.texture
    width, height = texture.size
    pixels = texture.pixels
    columns = [
        x for x in range(width) if any(pixels[(y * width + x) * 4 + 3] for y in range(0, height, 2))
    ]
    return columns[0], columns[-1]


def test_long_arabic_text_wraps_in_logical_order_and_aligns_right(kiosk):
    app = kiosk.app
    app.set_language("ar")
    label = Label(text=SENTENCE, text_size=(500, None), font_size=28)
    label.texture_update()
    lines = [line.words[0].text for line in label._label._cached_lines if line.words]
    assert len(lines) >= 3
    assert lines[0].startswith("كل مجموعة")  # the sentence begins on line one
    assert lines[-1].rstrip().endswith("المساعدة.")
    short = Label(text="مرحبا بكم", text_size=(500, None), font_size=28)
    short.texture_update()
    first, last = ink_columns(short)
    assert first > 300 and last > 480  # flush right
    app.set_language("nl")
    short.text = "Welkom"
    short.texture_update()
    first, last = ink_columns(short)
    assert first < 10 and last < 200  # Dutch is flush left again


def test_arabic_mirrors_the_screens_but_not_the_keyboard(kiosk):
    app = kiosk.app
    start(kiosk)
    app.set_language("ar")
    app.open(nav.TALENTS)
    kiosk.pump(5)
    bar = find(screen(app, nav.TALENTS), TopBar)[0]
    assert bar.ids.back_button.x > bar.ids.home_button.x  # 'back' on the right
    tile = find(screen(app, nav.TALENTS), ChoiceTile)[0]
    assert tile.box_x < tile.center_x  # the tick box at the end of an Arabic line: the left
    app.open(nav.SEARCH)
    kiosk.pump(5)
    keyboard = screen(app, nav.SEARCH).ids.keyboard
    assert keyboard.alphabet == "arabic"
    assert keyboard.key_for("ض").x < keyboard.key_for("ص").x  # keys where Arabic 101 has them
    kiosk.tap(keyboard.key_for("alphabet:latin"))
    assert keyboard.key_for("q").x < keyboard.key_for("w").x  # Latin keys keep their order
    app.set_language("nl")
    kiosk.pump(5)
    assert bar.ids.back_button.x < bar.ids.home_button.x
    assert tile.box_x > tile.center_x
