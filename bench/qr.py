"""QR render time: the matrix (kiosk.qr) and the Kivy texture (QrImage), per code.

Target (issue 2): QR render <= 20 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kiosk.kivy_env import kivy_environment  # noqa: E402

os.environ.update(kivy_environment((1080, 1920), headless=True))


def main() -> None:
    from kivy.base import EventLoop

    from kiosk.qr import make_matrix
    from screens.widgets.qr_image import QrImage

    EventLoop.ensure_window()
    urls = [f"https://ontmoet.lindewaard.example/c/{uuid.uuid4()}" for _ in range(60)]
    matrix_ms, widget_ms = [], []
    for url in urls:
        start = time.perf_counter()
        make_matrix(url)
        matrix_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        QrImage(data=url)  # matrix + pixels + texture upload
        widget_ms.append((time.perf_counter() - start) * 1000)
    print("QR render per code, 60 codes (ms)")
    for name, values in (("matrix only", matrix_ms), ("matrix + Kivy texture", widget_ms)):
        p95 = statistics.quantiles(values, n=20)[-1]
        print(f"{name:24} p50 {statistics.median(values):6.2f}   p95 {p95:6.2f}")


if __name__ == "__main__":
    main()
