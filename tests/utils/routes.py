"""The app's API routes, each with its full path.

FastAPI 0.165 keeps an included router as one entry of ``app.routes``: iterating
``app.routes`` alone finds no ``APIRoute`` (a test over it would pass for no route at all).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI, routing
from fastapi.routing import APIRoute


@dataclass(frozen=True)
class Route:
    path: str
    methods: frozenset[str]
    route: APIRoute


def api_routes(app: FastAPI) -> list[Route]:
    """Every APIRoute of ``app`` (never empty for this app: the caller asserts on it)."""
    out = []
    for context in routing.iter_route_contexts(app.routes):
        original = context.original_route
        if isinstance(original, APIRoute):
            out.append(Route(str(context.path), frozenset(context.methods or ()), original))
    assert len(out) > 40, "the app's routes were not found"
    return out


def dependency_names(route: APIRoute) -> set[str]:
    """The names of every dependency a route runs, however deep."""
    names = set()
    stack = [route.dependant]
    while stack:
        d = stack.pop()
        if d.call is not None:
            names.add(getattr(d.call, "__name__", ""))
        stack.extend(d.dependencies)
    return names
