"""Ontmoet kiosk: the core (config, store, search, fair order, QR codes, sessions), free of Kivy."""

__version__ = "0.1.0"
