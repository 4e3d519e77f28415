"""Translated text in kv that follows the language switch: ``text: tr._("Welcome")``.

The kv compiler binds to attribute ``_`` of ``tr``; we keep those bindings and re-run them
when the visitor picks another language, so every label updates in place.
"""

from __future__ import annotations

from itertools import count

from kivy.event import Observable

from kiosk import i18n


class Translator(Observable):
    def __init__(self) -> None:
        super().__init__()
        self._observers: dict[int, tuple] = {}
        self._uids = count(1)

    def _(self, text: str) -> str:
        return i18n._(text)

    def fbind(self, name, func, args, **kwargs):
        if name != "_":
            return super().fbind(name, func, *args, **kwargs)
        uid = next(self._uids)
        self._observers[uid] = (func, args)
        return uid

    def unbind_uid(self, name, uid):
        if name != "_":
            return super().unbind_uid(name, uid)
        self._observers.pop(uid, None)

    def funbind(self, name, func, args, **kwargs):
        if name != "_":
            return super().funbind(name, func, *args, **kwargs)
        for uid, observer in list(self._observers.items()):
            if observer == (func, args):
                del self._observers[uid]

    def forget_all(self) -> None:
        """A new app builds new widgets: drop the bindings of the old ones."""
        self._observers.clear()

    def switch(self, lang: str) -> None:
        i18n.set_language(lang)
        for func, args in list(self._observers.values()):
            func(args, None, None)


tr = Translator()
