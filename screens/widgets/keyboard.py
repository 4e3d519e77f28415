"""A large on-screen keyboard: a kiosk has no physical one, and a TextInput would bring the
system's own keyboard, autocomplete and memory of earlier visitors. The typed text lives in
the keyboard's ``text`` property, and nowhere else.

For text it shows the alphabet of the interface language (kiosk.keyboards) and a key for
each other script the kiosk's languages use; a new language or a new visitor brings the
language's own alphabet back."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

from kiosk import keyboards
from kiosk.i18n import _, current_language

LAYOUTS = {
    "text": None,  # the digits over the letters of the chosen alphabet
    "email": ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "@.-_", [".nl", ".com"]],
    "phone": ["123", "456", "789", "+0-"],
    "pin": ["123", "456", "789", "0"],
}
BACKSPACE, CLEAR, SPACE = "backspace", "clear", "space"
SWITCH = "alphabet:"  # + an alphabet's name: the key that shows that alphabet


class Key(Button):
    """One key; ``value`` is what it types (or the name of a special key)."""

    value = StringProperty("")
    #: It changes the keys (another alphabet) rather than typing: drawn apart.
    switch = BooleanProperty(False)


class KeyRow(BoxLayout):
    """A row of keys. Letter keys are as wide as those of the longest row (``columns``
    keys), a shorter row centred, as on a physical keyboard: a stretched row of three would
    make its keys look like something else."""

    columns = NumericProperty(0)  # 0: the keys fill the row
    keys = NumericProperty(0)


class OnScreenKeyboard(BoxLayout):
    """Typing fires ``on_text``; the layout can be switched between text, e-mail and phone."""

    text = StringProperty("")
    layout = OptionProperty("text", options=list(LAYOUTS))
    #: The letters of the text layout (a name in kiosk.keyboards.ALPHABETS).
    alphabet = OptionProperty("latin", options=list(keyboards.ALPHABETS))
    max_length = NumericProperty(80)
    key_height = NumericProperty(dp(96))

    def on_kv_post(self, _base_widget):
        self.alphabet = keyboards.alphabet_for(current_language()).name
        self.build_keys()
        app = App.get_running_app()
        if app is not None:
            # Next frame: the app changes its language property before the catalogue.
            app.bind(lang=Clock.create_trigger(lambda _dt: self.follow_language()))
            app.bind(session=lambda *_args: self.start_over())

    def follow_language(self) -> None:
        """The interface language's own alphabet again (a new language, a new visitor), and
        the special keys' words in the language."""
        alphabet = keyboards.alphabet_for(current_language()).name
        if alphabet == self.alphabet:
            self.build_keys()
        else:
            self.alphabet = alphabet  # builds the keys

    def start_over(self) -> None:
        """A new visitor (or none): the language's own alphabet, whatever the last one chose."""
        self.alphabet = keyboards.alphabet_for(current_language()).name

    def on_layout(self, *_args):
        self.build_keys()

    def on_alphabet(self, *_args):
        self.build_keys()

    def on_key_height(self, *_args):
        self.build_keys()

    def rows(self) -> list:
        if self.layout == "text":
            return [keyboards.DIGITS, *keyboards.ALPHABETS[self.alphabet].rows]
        return LAYOUTS[self.layout]

    def build_keys(self) -> None:
        self.clear_widgets()
        rows = self.rows()
        columns = max(len(row) for row in rows)
        for row in rows:
            # A row of words ('.nl', '.com') fills the width; letters and digits line up.
            letters = all(len(value) <= 2 for value in row)
            line = self._line(columns=columns if letters else 0, keys=len(row))
            for value in row:
                line.add_widget(self._key(value, value))
            self.add_widget(line)
        last = self._line()
        if self.layout == "text":
            for alphabet in self._switches():
                last.add_widget(self._key(SWITCH + alphabet.name, alphabet.label, switch=True))
        if self.layout not in ("phone", "pin"):
            last.add_widget(self._key(SPACE, _("space"), size_hint_x=2.4))
        last.add_widget(self._key(BACKSPACE, "‹ " + _("Delete"), size_hint_x=1.6))
        last.add_widget(self._key(CLEAR, _("Clear all"), size_hint_x=1.6))
        self.add_widget(last)

    def _line(self, **kwargs) -> KeyRow:
        line = KeyRow(height=self.key_height, **kwargs)
        # Keys stay where they are on a physical keyboard, Arabic ones too, on every screen.
        line.keep_ltr = True
        return line

    def _switches(self) -> list[keyboards.Alphabet]:
        config = getattr(App.get_running_app(), "kiosk_config", None)
        languages = config.languages if config is not None else tuple(keyboards.LANGUAGE_ALPHABETS)
        return keyboards.switches(self.alphabet, current_language(), languages)

    def _key(self, value: str, label: str, **kwargs) -> Key:
        key = Key(value=value, text=label, **kwargs)
        key.bind(on_release=lambda k: self.press(k.value))
        return key

    def press(self, value: str) -> None:
        if value.startswith(SWITCH):
            self.alphabet = value[len(SWITCH) :]
        elif value == BACKSPACE:
            self.text = self.text[:-1]
        elif value == CLEAR:
            self.text = ""
        elif len(self.text) < self.max_length:
            self.text += " " if value == SPACE else value

    def key_for(self, value: str) -> Key:
        """The key that types ``value`` (for tests and for the screens' hints)."""
        for line in self.children:
            for key in line.children:
                if key.value == value:
                    return key
        raise KeyError(value)

    def letters(self) -> list[str]:
        """What the keys type, row by row (special keys left out)."""
        return [
            key.value
            for line in reversed(self.children)
            for key in reversed(line.children)
            if not key.switch and key.value not in (SPACE, BACKSPACE, CLEAR)
        ]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
