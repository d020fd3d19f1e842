"""Backend-parametrized fixtures: every storage test runs on SpatiaLite and on PostGIS.

A template store (migrated, bundled Montpellier data loaded) is built once per backend
(per worker under pytest-xdist); each test gets a fresh copy: a copied SpatiaLite file, or
``CREATE DATABASE … TEMPLATE``. With ``--require-all-backends`` (CI), a backend that is not
available fails instead of skipping.

Under pytest-xdist (``-n auto``, ``--dist loadgroup``, as ``scripts/test.sh`` runs) the
workers share one cache of what is built from the territory's files, warmed by the first
worker under a lock; every test using the ``browser`` or ``site`` fixture is marked
``browser`` by :func:`pytest_itemcollected`. A new test needs nothing special.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import proj_version_str
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from geo_caisse.core.progress import quiet
from geo_caisse.core.settings import (
    BUNDLED_TERRITORY_DIR,
    ApiSettings,
    DatabaseSettings,
    Settings,
    TerritorySettings,
)
from geo_caisse.core.territory import Territory
from geo_caisse.layers.loading import init_store
from geo_caisse.storage import make_engine, session_factory
from geo_caisse.storage.engine import spatial_version
from tests.utils.stores import TOKEN, Store

BACKENDS = ("spatialite", "postgis")
REPO_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/geo_caisse_test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--require-all-backends", action="store_true",
                     help="fail (instead of skipping) when a storage backend is unavailable")


def _pg_url() -> str:
    return os.environ.get("GEO_CAISSE_TEST_POSTGIS_URL", DEFAULT_PG)


def _pg_admin(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _postgis_problem() -> str | None:
    try:
        admin = _pg_admin(_pg_url())
        with admin.connect() as conn:
            ok = conn.execute(text(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")).scalar()
        admin.dispose()
    except Exception as exc:  # any connection failure means the backend is unavailable
        return f"PostgreSQL not reachable at {_pg_url()}: {exc}"
    return None if ok else "PostgreSQL has no postgis extension available"


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"GEOS {shapely.geos_version_string}, PROJ {proj_version_str}"]
    try:
        e = make_engine(DatabaseSettings(database_url="sqlite://"))
        lines.append(spatial_version(e))
        e.dispose()
    except Exception as exc:  # reported, then the fixtures fail or skip
        lines.append(f"SpatiaLite unavailable: {exc}")
    problem = _postgis_problem()
    if problem:
        lines.append(problem)
    else:
        admin = _pg_admin(_pg_url())
        with admin.connect() as conn:
            v = conn.execute(text("SELECT default_version FROM pg_available_extensions "
                                  "WHERE name = 'postgis'")).scalar()
        admin.dispose()
        lines.append(f"PostGIS {v} available at {make_url(_pg_url()).render_as_string()}")
    return lines


@pytest.fixture(scope="session")
def territory() -> Territory:
    return Territory.from_dir(BUNDLED_TERRITORY_DIR)


#: what makes a test a browser test (tests/maps/conftest.py)
BROWSER_FIXTURES = {"browser", "site"}


def pytest_itemcollected(item: pytest.Item) -> None:
    """A test using Chromium or the served site is marked ``browser`` (``-m "not browser"``
    leaves them out). They are spread over the xdist workers like the others: each worker
    that runs one starts its own Chromium and site (about 10 s), which kept on one worker
    made that worker the run's longest by a minute."""
    if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())) \
            or item.get_closest_marker("browser") is not None:
        item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory, territory: Territory) -> Path:
    """One cache of built walk networks, populations, base map, search index and pages for
    the whole test session. Under pytest-xdist the workers share it: the first one builds
    what the apps read at start-up, under a lock, the others then find it built.

    Under pytest-xdist (``scripts/test.sh``) it is kept between runs in
    ``.cache/tests/<digest>`` (``GEO_CAISSE_TEST_CACHE`` moves it), the digest covering
    geo_caisse's code and the installed packages: a run on the same code finds the base map
    cut and the networks built (27 s off pytest's time here), a change to either starts an empty one
    (and removes the others). Inside, each cache is keyed by its sources as in production;
    the tests that build one from nothing use their own ``tmp_path``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return tmp_path_factory.mktemp("cache")
    root = Path(os.environ.get("GEO_CAISSE_TEST_CACHE", REPO_DIR / ".cache" / "tests"))
    path = root / _code_digest()
    path.mkdir(parents=True, exist_ok=True)
    with (root / "cache.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            for other in root.iterdir():
                if other.is_dir() and other != path:
                    shutil.rmtree(other, ignore_errors=True)
            _warm(territory, path)  # quick where it is built: each cache checks its key
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def _code_digest() -> str:
    """A digest of what builds the caches: geo_caisse's sources and the installed packages
    (their names and versions, as their metadata folders say)."""
    import site
    import sysconfig

    h = hashlib.sha256()
    for source in sorted((REPO_DIR / "geo_caisse").rglob("*.py")):
        h.update(str(source.relative_to(REPO_DIR)).encode())
        h.update(source.read_bytes())
    for packages in {sysconfig.get_paths()["purelib"], *site.getsitepackages()}:
        if os.path.isdir(packages):
            h.update("\n".join(sorted(n for n in os.listdir(packages)
                                       if n.endswith(".dist-info"))).encode())
    return h.hexdigest()[:16]


def _warm(territory: Territory, cache_dir: Path) -> None:
    """Build the caches an app reads (:func:`api.main.create_app`'s lifespan, the first
    search): what every worker would otherwise build at once into the same files (the base
    map: :func:`basemap_built`)."""
    from geo_caisse.layers.search import load_address_index
    from geo_caisse.walk.service import WalkingService

    if territory.network is not None and territory.population is not None:
        WalkingService.load(territory, cache_dir=cache_dir)
    if territory.search is not None:
        load_address_index(territory, cache_dir=cache_dir)


@pytest.fixture(scope="session")
def basemap_built(cache_dir: Path, territory: Territory) -> None:
    """The bundled territory's base map cut into the shared cache (about 15 s, once per
    run: :func:`load_basemap` lets one process cut it, the others wait and read it): only
    for the tests that read tiles, so that the other workers do not wait for it."""
    from geo_caisse.basemap.tiles import load_basemap

    if not territory.basemap.tile_url:
        load_basemap(territory, cache_dir=cache_dir)


@dataclass
class Template:
    backend: str
    url: str


@pytest.fixture(scope="session", params=BACKENDS)
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             territory: Territory) -> Iterator[Template]:
    backend = request.param
    require = request.config.getoption("--require-all-backends")
    if backend == "spatialite":
        path = tmp_path_factory.mktemp("template") / "template.sqlite"
        url = f"sqlite:///{path}"
    else:
        problem = _postgis_problem()
        if problem:
            if require:
                pytest.fail(f"postgis backend required: {problem}")
            pytest.skip(problem)
        # one template per test run, so that runs side by side never drop each other's
        name = f"gc_template_{uuid.uuid4().hex[:12]}"
        url = str(make_url(_pg_url()).set(database=name).render_as_string(hide_password=False))
        admin = _pg_admin(url)
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
    engine = make_engine(DatabaseSettings(database_url=url))
    init_store(engine, session_factory(engine), territory, progress=quiet)
    engine.dispose()
    yield Template(backend, url)
    if backend == "postgis":
        admin = _pg_admin(url)
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def store(template: Template, tmp_path: Path) -> Iterator[Store]:
    if template.backend == "spatialite":
        src = Path(make_url(template.url).database or "")
        dst = tmp_path / "store.sqlite"
        shutil.copyfile(src, dst)
        url = f"sqlite:///{dst}"
    else:
        name = f"gc_test_{uuid.uuid4().hex[:12]}"
        admin = _pg_admin(template.url)
        with admin.connect() as conn:
            template_name = make_url(template.url).database
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template_name}"))
        url = make_url(template.url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(DatabaseSettings(database_url=url))
    yield Store(template.backend, url, engine, session_factory(engine))
    engine.dispose()
    if template.backend == "postgis":
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def client(store: Store, cache_dir: Path) -> Iterator[TestClient]:
    """The app on a fresh store, with a coordinator token and a 64 KiB upload limit."""
    from api.main import create_app

    settings = Settings(
        DatabaseSettings(database_url=store.url), TerritorySettings(cache_dir=cache_dir),
        ApiSettings(coordinator_token=TOKEN, max_upload_bytes=64 * 1024),
    )
    with TestClient(create_app(settings)) as c:
        yield c
