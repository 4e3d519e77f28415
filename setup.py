"""The one build step pyproject.toml cannot say: the gettext catalogues compiled into the wheel.

Each assets/locale/<lang>/LC_MESSAGES/*.po gets its .mo beside it in the build, from the same
Babel the kiosk uses, so an installed kiosk or hub reads its translations and writes nothing into
site-packages. The .mo files are not committed: compiled here, they cannot lag behind the .po.
"""

import io
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout's assets/, where the .po is compiled
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(self.build_lib, "kiosk", "assets", "locale").glob("*/LC_MESSAGES/*.po"):
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parent.parent.name)
            buffer = io.BytesIO()
            write_mo(buffer, catalogue)
            po.with_suffix(".mo").write_bytes(buffer.getvalue())


setup(cmdclass={"build_py": BuildWithCatalogues})
