"""The take-home slip on a receipt printer (ESC/POS, python-escpos), where one is configured.

The slip holds what the screen shows: the list's QR code and each community's, never anything
about the visitor. Printing can block on a USB or network printer: screens call it from a
thread, never from the UI thread.
"""

from __future__ import annotations

from collections.abc import Sequence


class PrinterError(Exception):
    """The printer is not configured right or does not answer; the message says which."""


def open_printer(setting: str):
    """A printer from the ``receipt_printer`` setting: usb:VENDOR:PRODUCT (hex),
    network:HOST or file:/dev/usb/lp0."""
    from escpos import printer  # heavy (PIL, usb, serial): loaded only to print

    kind, _sep, rest = setting.partition(":")
    try:
        if kind == "usb":
            vendor, product = rest.split(":")
            return printer.Usb(int(vendor, 16), int(product, 16))
        if kind == "network" and rest:
            return printer.Network(rest, timeout=5)
        if kind == "file" and rest:
            return printer.File(rest)
    except ValueError:
        pass
    except Exception as exc:  # the drivers raise their own errors for absent devices
        raise PrinterError(f"receipt printer {setting!r} cannot be opened: {exc}") from None
    raise PrinterError(
        f"receipt_printer {setting!r} is not understood; use usb:VENDOR:PRODUCT, "
        "network:HOST or file:PATH"
    )


def print_take_home(
    device, title: str, hint: str, list_url: str, communities: Sequence[tuple[str, str]]
) -> None:
    """Print the slip: a title, the list's QR code, then each community with its own code."""
    try:
        device.set(align="center", bold=True, double_height=True, double_width=True)
        device.text(title + "\n\n")
        device.set(align="center", normal_textsize=True)
        device.qr(list_url, size=8)
        device.text(hint + "\n\n")
        for name, url in communities:
            device.set(align="left", bold=True, normal_textsize=True)
            device.text(name + "\n")
            device.set(align="center", bold=False)
            device.qr(url, size=5)
        device.cut()
    except Exception as exc:  # a printer out of paper or unplugged mid-slip
        raise PrinterError(f"the receipt printer stopped: {exc}") from None
    finally:
        close = getattr(device, "close", None)
        if close is not None:
            close()
