"""A store on one backend, the coordinator token the test app accepts, and logging in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

TESTS_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = TESTS_DIR / "data"
TOKEN = "test-coordinator-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PASSWORD = "correct horse battery"


@dataclass
class Store:
    """A fresh store holding the bundled data, on one backend."""

    backend: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The Authorization header of a user who logged in with ``POST /api/token``."""
    r = client.post("/api/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
