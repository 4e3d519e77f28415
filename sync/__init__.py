"""The shared store: the wire protocol (protocol.py), shared by the kiosk and the hub."""
