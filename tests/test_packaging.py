"""Issue 16's packages: one wheel that carries everything it needs, extras for the two machines,
and locks that pin each machine's whole tree.

The slow tests build the wheel from a copy of the sources, install it as README's "Installing
from the wheel" says (the lock with hashes, then the wheel, non-editable) into a fresh venv
outside the checkout, one extra per venv, and run the programs from there with a clean
environment: a hub serves the demo, a kiosk draws its screenshots, and neither writes into
its site-packages.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
import requests
from babel.messages.pofile import read_po
from PIL import Image, ImageStat

from bench.hub_process import free_port
from kiosk.paths import DEMO_DIR

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
EXTRAS = ("hub", "kiosk")
# What the wheel is built from: a copy of these, so no build/ or egg-info lands in the checkout.
BUILD_INPUTS = (
    "pyproject.toml",
    "setup.py",
    "README.md",
    "LICENSE",
    "kiosk",
    "screens",
    "sync",
    "assets",
)
# The point of the split: a hub never installs Kivy, a kiosk never installs the web server;
# and no test library reaches a production machine (the screenshots command needs none).
NEVER_ON = {
    "hub": {"kivy", "pytest"},
    "kiosk": {"fastapi", "starlette", "uvicorn", "httptools", "pytest"},
}
LANGUAGES = ("ar", "nl", "pl", "tr", "uk")
SLOW_TIMEOUT = 900  # a venv filled from an empty pip cache; never a pass/fail criterion


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: list[str]) -> dict[str, str]:
    found = {}
    for line in requirements:
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line.strip())
        if match:
            found[normalise(match[1])] = match[2]
    return found


def pyproject_pins(extra: str) -> dict[str, str]:
    project = PYPROJECT["project"]
    return pins(project["dependencies"]) | pins(project["optional-dependencies"][extra])


def lock_pins(extra: str) -> dict[str, str]:
    text = (ROOT / "requirements" / f"{extra}.lock").read_text()
    return pins(re.findall(r"^([A-Za-z0-9._-]+==\S+)", text, flags=re.MULTILINE))


# --- Fast: the locks and the extras against the code ------------------------------------------


@pytest.mark.parametrize("extra", EXTRAS)
def test_lock_pins_exactly_the_versions_pyproject_pins(extra):
    lock, wanted = lock_pins(extra), pyproject_pins(extra)
    drifted = {
        name: (version, lock.get(name))
        for name, version in wanted.items()
        if lock.get(name) != version
    }
    assert not drifted, f"pyproject.toml pin vs requirements/{extra}.lock: {drifted} (./tasks lock)"
    assert not NEVER_ON[extra] & set(lock), f"{extra}.lock: {NEVER_ON[extra] & set(lock)}"
    # Every package comes with its hashes: pip --require-hashes refuses anything else.
    text = (ROOT / "requirements" / f"{extra}.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2].strip())
    unhashed = [entry.split()[0] for entry in entries if "--hash=sha256:" not in entry]
    assert not unhashed and len(entries) == len(lock), unhashed


def modules() -> dict[str, Path]:
    found = {}
    for package in ("kiosk", "screens", "sync"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def third_party_imports(roots: list[str], known: dict[str, Path]) -> dict[str, str]:
    """Top-level third-party modules that ``roots`` reach, following our own imports (also
    those inside functions: a command run once a year counts), each with one importer."""
    seen, todo, found = set(), list(roots), {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        package = name if known[name].name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(known[name].read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                top = target.split(".")[0]
                if top in ("kiosk", "screens", "sync"):
                    parts = target.split(".")
                    todo += [
                        ".".join(parts[:i])
                        for i in range(1, len(parts) + 1)
                        if ".".join(parts[:i]) in known
                    ]
                elif top not in sys.stdlib_module_names and top != "__future__":
                    found.setdefault(top, name)
    return found


@pytest.mark.parametrize("extra", EXTRAS)
def test_every_import_of_each_side_is_in_its_lock(extra):
    known = modules()
    hub = [name for name in known if name.startswith("sync.hub")]
    roots = hub if extra == "hub" else [name for name in known if name not in hub]
    distributions = importlib.metadata.packages_distributions()
    lock = lock_pins(extra)
    missing = {}
    for module, importer in third_party_imports(roots, known).items():
        names = {normalise(d) for d in distributions.get(module, [module])}
        if not names & set(lock):
            missing[module] = importer
    assert not missing, f"imported on the {extra} side, not in its extra or lock: {missing}"


# --- Slow: the wheel, installed ------------------------------------------------------------


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name,
                source / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"),
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    # As './tasks wheel' does: the sdist first, the wheel from it (so the sdist is complete too).
    uv = Path(sys.executable).parent / "uv"
    result = subprocess.run(
        [uv, "build", "--quiet", "--out-dir", dist, source],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (built,) = dist.glob("ontmoet-*.whl")
    return built


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What a systemd unit gives a program: no PYTHONPATH, no checkout, no test settings (nor
    PYTHONDONTWRITEBYTECODE, which would hide a write into site-packages)."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", **extra}


def install(wheel: Path, extra: str, where: Path) -> Path:
    """README's two commands in a fresh venv, then a check that the lock left nothing of the
    extra to fetch (pip, offline, finds every requirement already there)."""
    venv = where / f"venv-{extra}"
    pip_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "VIRTUAL_ENV")
    }
    lock = ROOT / "requirements" / f"{extra}.lock"
    commands = [
        [sys.executable, "-m", "venv", str(venv)],
        [venv / "bin/pip", "install", "--quiet", "--require-hashes", "-r", lock],
        [venv / "bin/pip", "install", "--quiet", "--no-deps", wheel],
        [venv / "bin/pip", "install", "--quiet", "--no-index", f"{wheel}[{extra}]"],
    ]
    for command in commands:
        result = subprocess.run(
            command, cwd=where, env=pip_env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, f"{command}: {result.stderr[-3000:]}"
    return venv


def site_packages_state(venv: Path) -> dict[str, tuple[int, int]]:
    (site,) = venv.glob("lib/python3*/site-packages")
    return {
        str(p.relative_to(site)): (p.stat().st_size, p.stat().st_mtime_ns) for p in site.rglob("*")
    }


def run_in(venv: Path, env: dict[str, str], *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{args}: {result.stderr[-3000:]}"
    return result.stdout


def assert_installed_alone(venv: Path, env: dict[str, str], extra: str, cwd: Path) -> None:
    """The package comes from the venv, not the checkout; the other machine's packages are not
    there at all."""
    check = (
        "import importlib.util, kiosk, sys; print(kiosk.__file__); "
        "print(*[n for n in sys.argv[1:] if importlib.util.find_spec(n)])"
    )
    where, present = (
        run_in(venv, env, "python", "-c", check, *NEVER_ON[extra], cwd=cwd).splitlines() + [""]
    )[:2]
    assert Path(where).is_relative_to(venv) and "site-packages" in where, where
    assert present == "", f"{present} importable in the {extra} venv"
    listed = {
        normalise(line.split("==")[0])
        for line in run_in(venv, env, "pip", "freeze", cwd=cwd).splitlines()
    }
    assert not NEVER_ON[extra] & listed


@pytest.mark.slow
@pytest.mark.timeout(SLOW_TIMEOUT)
def test_wheel_carries_assets_compiled_catalogues_and_licences(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        nl_mo = archive.read("kiosk/assets/locale/nl/LC_MESSAGES/ontmoet.mo")
    for name in (
        "kiosk/assets/fonts/OntmoetSans-Regular.ttf",
        "kiosk/assets/fonts/OntmoetSans-Bold.ttf",
        "kiosk/assets/fonts/OFL.txt",
        "kiosk/assets/demo/communities.json",
        "kiosk/assets/demo/taxonomy.json",
        "kiosk/assets/demo/hub-demo-public.key",
        "kiosk/assets/locale/ontmoet.pot",
        "screens/home.kv",
        "screens/widgets/common.kv",
        "sync/hub/templates/base.html",
        "sync/hub/static/hub.css",
        "ontmoet-0.1.0.dist-info/licenses/LICENSE",
        "ontmoet-0.1.0.dist-info/licenses/assets/fonts/OFL.txt",
    ):
        assert name in names, name
    for lang in LANGUAGES:
        for suffix in ("po", "mo"):
            assert f"kiosk/assets/locale/{lang}/LC_MESSAGES/ontmoet.{suffix}" in names
    photos = {p.name for p in (ROOT / "assets/demo/photos").glob("*.jpg")}
    shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith("kiosk/assets/demo/photos/")}
    assert shipped == photos
    # Every module, .kv, template, stylesheet, script and schema of the packages, and Alembic's
    # template and revisions; nothing of the tests.
    sources = [p for package in ("kiosk", "screens", "sync") for p in (ROOT / package).rglob("*")]
    for path in sources:
        if (
            path.suffix in (".py", ".kv", ".html", ".css", ".js", ".json", ".md", ".mako")
            and "__pycache__" not in path.parts
        ):
            assert str(path.relative_to(ROOT)) in names, path
    assert not [n for n in names if n.startswith(("tests/", "bench/", "scripts/"))]
    # The .mo was compiled from the .po it sits beside.
    import gettext
    import io

    with (ROOT / "assets/locale/nl/LC_MESSAGES/ontmoet.po").open("rb") as po:
        expected = read_po(po, locale="nl")["When and where"].string
    assert gettext.GNUTranslations(io.BytesIO(nl_mo)).gettext("When and where") == expected


@pytest.mark.slow
@pytest.mark.timeout(SLOW_TIMEOUT)
def test_hub_from_the_wheel_serves_the_demo_without_kivy(wheel, tmp_path, empty_postgresql):
    venv = install(wheel, "hub", tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    env = clean_env(work, ONTMOET_HUB_DIR=str(work / "hub"))
    assert_installed_alone(venv, env, "hub", work)
    before = site_packages_state(venv)

    run_in(venv, env, "ontmoet-hub", "init", cwd=work)
    groups = len(json.loads((DEMO_DIR / "communities.json").read_text())["communities"])
    assert f"{groups} communities" in run_in(venv, env, "ontmoet-hub", "load-demo", cwd=work)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = work / "serve.log"
    with log.open("wb") as errors:
        server = subprocess.Popen(
            [venv / "bin/ontmoet-hub", "serve", "--port", str(port)],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                health = requests.get(f"{url}/api/v1/health", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the hub did not answer within 60 s"
                time.sleep(0.1)
        assert health.status_code == 200
        with sqlite3.connect(work / "hub" / "hub.db") as db:
            community = db.execute(
                "SELECT id FROM shared_records WHERE entity = 'community' LIMIT 1"
            ).fetchone()[0]
        page = requests.get(f"{url}/c/{community}?lang=nl", timeout=10)
        with (ROOT / "assets/locale/nl/LC_MESSAGES/ontmoet.po").open("rb") as po:
            dutch = read_po(po, locale="nl")["When and where"].string
        assert page.status_code == 200 and f"<h2>{dutch}</h2>" in page.text  # template + .mo
        font = requests.get(f"{url}/static/OntmoetSans-Regular.ttf", timeout=10)
        assert font.content == (ROOT / "assets/fonts/OntmoetSans-Regular.ttf").read_bytes()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # Alembic's revisions run from the installed package (issue 18).
    moved = run_in(venv, env, "ontmoet-hub", "migrate-store", "--to", empty_postgresql, cwd=work)
    assert "every table's count and checksum are equal" in moved
    assert site_packages_state(venv) == before, "the hub wrote into its site-packages"


@pytest.mark.slow
@pytest.mark.timeout(SLOW_TIMEOUT)
def test_kiosk_from_the_wheel_draws_its_screens_without_fastapi(wheel, tmp_path):
    venv = install(wheel, "kiosk", tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    # The same headless environment as './tasks screenshots' (headless_env in ./tasks).
    env = clean_env(
        work,
        SDL_VIDEODRIVER="offscreen",
        KIVY_NO_ARGS="1",
        KIVY_NO_CONSOLELOG="1",
        KIVY_WINDOW="sdl2",
        KIVY_HOME=str(work / "kivy"),
        ONTMOET_DATA_DIR=str(work / "data"),
    )
    assert_installed_alone(venv, env, "kiosk", work)
    before = site_packages_state(venv)

    shots = work / "shots"
    # Landscape and small, as tests/test_cli.py: software GL draws every pixel of 31 screens.
    command = ["ontmoet-kiosk", "screenshots", str(shots), "--demo", "--lang", "nl"]
    run_in(venv, env, *command, "--size", "960x540", cwd=work)
    with Image.open(shots / "home.png") as image:
        grey = image.convert("L")
        assert grey.size == (960, 540)
        assert len(grey.getcolors(maxcolors=65536) or []) > 10  # drawn, not a blank frame
        assert ImageStat.Stat(grey).mean[0] > 64  # the kiosk's light page, not black
    assert len(list(shots.glob("*.png"))) > 20
    assert site_packages_state(venv) == before, "the kiosk wrote into its site-packages"
