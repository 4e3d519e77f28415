import pytest
from escpos.printer import Dummy

from kiosk.printing import PrinterError, open_printer, print_take_home


def test_slip_has_a_title_and_a_code_per_community():
    printer = Dummy()
    print_take_home(
        printer,
        "Mijn lijstje",
        "Scan deze code.",
        "https://hub.example/m/abc",
        [("Soepclub", "https://hub.example/c/1"), ("Breiclub", "https://b.example")],
    )
    out = printer.output
    assert b"Mijn lijstje" in out and b"Soepclub" in out and b"Breiclub" in out
    assert out.count(b"\x1dv0") == 3  # three QR codes, as raster images
    assert out.endswith(b"\x1dV\x00") or b"\x1dV" in out  # and the paper is cut


@pytest.mark.parametrize("setting", ["usb:xyz", "serial:/dev/x", "network:", "file:", "nonsense"])
def test_a_misconfigured_printer_is_a_clear_error(setting):
    with pytest.raises(PrinterError, match="receipt"):
        open_printer(setting)


def test_a_file_printer_writes_the_slip(tmp_path):
    target = tmp_path / "lp0"
    print_take_home(open_printer(f"file:{target}"), "My list", "Scan.", "https://h/m/x", [])
    assert b"My list" in target.read_bytes()


def test_a_printer_that_fails_mid_slip_says_so():
    class Jammed(Dummy):
        def qr(self, *args, **kwargs):
            raise OSError("paper jam")

    with pytest.raises(PrinterError, match="stopped"):
        print_take_home(Jammed(), "t", "h", "https://h/m/x", [])
