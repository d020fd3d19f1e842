"""Every FastAPI dependency of the service: the store, the territory, the services, who calls.

Routes declare what they need with these ``Annotated`` types and hold no other plumbing.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import Callable, Hashable
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Path, Query, Request
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
)
from sqlalchemy.orm import Session, sessionmaker

from api.errors import LoginThrottledError, ServerBusyError, TooManyRequestsError
from api.schemas.walking import Weekday
from api.throttle import Throttles, retry_after
from geo_caisse.auth.roles import SCOPES_BY_ROLE, User
from geo_caisse.auth.tokens import read_token
from geo_caisse.auth.users import authenticate
from geo_caisse.basemap.tiles import BaseMap, LazyBaseMap
from geo_caisse.core.errors import AuthError, DataError, ForbiddenError, ValidationError
from geo_caisse.core.opening_hours import check_weekday
from geo_caisse.core.settings import Settings
from geo_caisse.core.territory import Territory
from geo_caisse.layers.search import AddressIndex, LazyAddressIndex
from geo_caisse.mona.flows import MonaFlows
from geo_caisse.mona.service import FlowsService
from geo_caisse.planning.service import TargetingService
from geo_caisse.storage.layers import BBox
from geo_caisse.walk.deserts import DesertReport
from geo_caisse.walk.service import WalkingService

_NUMBER = r"-?[0-9]{1,3}(\.[0-9]{1,15})?"
#: four numbers, as the schema says it (the ranges and their order are checked after)
BBOX_PATTERN = rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$"

T = TypeVar("T")

#: the largest id or count accepted anywhere (JavaScript's safe integers; the store's 64 bits)
MAX_ID = 2**53

# --- the store, the territory, the settings ----------------------------------------------


async def get_sessions(request: Request) -> sessionmaker[Session]:
    return request.app.state.sessions  # type: ignore[no-any-return]


async def get_writer_sessions(request: Request) -> sessionmaker[Session]:
    """Sessions for writes that must not interleave (SpatiaLite: BEGIN IMMEDIATE)."""
    return request.app.state.writer_sessions  # type: ignore[no-any-return]


async def get_territory(request: Request) -> Territory:
    return request.app.state.territory  # type: ignore[no-any-return]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
WriterDep = Annotated[sessionmaker[Session], Depends(get_writer_sessions)]
TerritoryDep = Annotated[Territory, Depends(get_territory)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_LEVEL = Query(max_length=40, description="one of the territory's levels, as "
               "``GET /api/territory`` lists them (e.g. commune, iris)")


def territory_level(territory: TerritoryDep,
                    level: Annotated[str | None, _LEVEL] = None) -> str | None:
    """The ``level`` query parameter, one of the territory's levels (422 naming them)."""
    return None if level is None else territory.level(level, name="level").code


def territory_level_or_finest(territory: TerritoryDep,
                              level: Annotated[str | None, _LEVEL] = None) -> str:
    """The ``level`` query parameter, the territory's finest level when absent."""
    return territory_level(territory, level) or territory.finest.code


#: a ``level`` query parameter checked against the territory's levels (not a fixed enum)
LevelDep = Annotated[str | None, Depends(territory_level)]
FinestLevelDep = Annotated[str, Depends(territory_level_or_finest)]


# --- the services ----------------------------------------------------------------------------

async def get_walking(request: Request) -> WalkingService:
    service = getattr(request.app.state, "walking", None)
    if service is None:
        raise DataError("walking analysis is not configured for this territory: add "
                        "[network] and [population] to its territory.toml")
    return service  # type: ignore[no-any-return]


async def get_walking_if_any(request: Request) -> WalkingService | None:
    """The walking analysis, or None where the territory has none."""
    return getattr(request.app.state, "walking", None)


def get_basemap(request: Request) -> BaseMap:
    basemap: LazyBaseMap | None = getattr(request.app.state, "basemap", None)
    if basemap is None:
        raise DataError("this territory draws its base map from a tile server "
                        "([basemap] tile_url): no tiles are served here")
    return basemap.get()


def get_search(request: Request) -> AddressIndex:
    index: LazyAddressIndex | None = getattr(request.app.state, "search", None)
    if index is None:
        raise DataError("address search is not configured for this territory: add "
                        "[search] to its territory.toml")
    return index.get()


async def get_flows_service(request: Request) -> FlowsService:
    return request.app.state.flows  # type: ignore[no-any-return]


async def get_targeting(request: Request) -> TargetingService:
    service = getattr(request.app.state, "targeting", None)
    if service is None:
        raise DataError("recruitment targeting needs the walking analysis: add [network] "
                        "and [population] to the territory.toml")
    return service  # type: ignore[no-any-return]


async def layers_changed(request: Request) -> Callable[[], None]:
    """What a route calls after it changed the points of sale or markets: the in-memory
    analyses (walking access) read them again at their next use."""
    def notify() -> None:
        walking = getattr(request.app.state, "walking", None)
        if walking is not None:
            walking.invalidate()

    return notify


LayersChangedDep = Annotated[Callable[[], None], Depends(layers_changed)]
WalkingDep = Annotated[WalkingService, Depends(get_walking)]
OptionalWalkingDep = Annotated[WalkingService | None, Depends(get_walking_if_any)]
SearchDep = Annotated[AddressIndex, Depends(get_search)]
BaseMapDep = Annotated[BaseMap, Depends(get_basemap)]
FlowsServiceDep = Annotated[FlowsService, Depends(get_flows_service)]
TargetingDep = Annotated[TargetingService, Depends(get_targeting)]


def current_flows(flows: FlowsServiceDep, sessions: SessionsDep) -> MonaFlows:
    """The Mona flows of the ledger as it stands (recomputed when it has moved)."""
    return flows.current(sessions)


FlowsDep = Annotated[MonaFlows, Depends(current_flows)]


# --- who calls ---------------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False)
_oauth2 = OAuth2PasswordBearer(tokenUrl="/api/token", auto_error=False)


async def get_jwt_secret(request: Request) -> str:
    return request.app.state.jwt_secret  # type: ignore[no-any-return]


JwtSecretDep = Annotated[str, Depends(get_jwt_secret)]


def current_user(settings: SettingsDep, secret: JwtSecretDep,
                 token: Annotated[str | None, Depends(_oauth2)]) -> User:
    """The caller: a JWT from ``POST /api/token``, or the static coordinator token."""
    if not token:
        raise AuthError("log in first: Authorization: Bearer <access token from /api/token>")
    static = settings.api.coordinator_token
    if static is not None and static.get_secret_value() and secrets.compare_digest(
            token.encode(), static.get_secret_value().encode()):
        return User("coordinator-token", "coordinator", SCOPES_BY_ROLE["coordinator"])
    if token.count(".") != 2:
        raise AuthError("invalid coordinator token")
    return read_token(token, secret=secret)


UserDep = Annotated[User, Depends(current_user)]


def optional_user(settings: SettingsDep, secret: JwtSecretDep,
                  token: Annotated[str | None, Depends(_oauth2)]) -> User | None:
    """The caller when a token is given (checked as :func:`current_user` does), else None:
    for routes open to everyone that do more for some roles."""
    return current_user(settings, secret, token) if token else None


OptionalUserDep = Annotated[User | None, Depends(optional_user)]


def require_scope(scope: str) -> object:
    """A dependency allowing only callers whose role carries ``scope``."""
    def check(user: UserDep) -> User:
        if scope not in user.scopes:
            raise ForbiddenError(f"the {user.role} role may not do this (needs {scope})")
        return user

    check.__name__ = f"require_{scope.replace(':', '_')}"
    return Depends(check)


def require_coordinator(
    settings: SettingsDep, secret: JwtSecretDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Coordinator writes: the static ``GEO_CAISSE_COORDINATOR_TOKEN`` or a coordinator's JWT."""
    if credentials is None:
        raise AuthError("a coordinator token is required (Authorization: Bearer …)")
    user = current_user(settings, secret, credentials.credentials)
    if "layers:write" not in user.scopes:
        raise ForbiddenError(f"the {user.role} role may not change the layers")


CoordinatorDep = Annotated[None, Depends(require_coordinator)]
LayersWriterDep = Annotated[User, require_scope("layers:write")]
MemberDep = Annotated[User, require_scope("ledger:self")]
VendorDep = Annotated[User, require_scope("ledger:vendor")]
BudgetReaderDep = Annotated[User, require_scope("budget:read")]
FlowsReaderDep = Annotated[User, require_scope("flows:read")]
EnrolmentReaderDep = Annotated[User, require_scope("enrolment:read")]
EnrolmentWriterDep = Annotated[User, require_scope("enrolment:write")]
LedgerAdminDep = Annotated[User, require_scope("ledger:admin")]
AccountsWriterDep = Annotated[User, require_scope("accounts:write")]
# the committee and the coordinators read and decide conventionnement dossiers
DossierDep = Annotated[User, require_scope("conventionnement")]
# the committee and the coordinators plan budget scenarios
BudgetPlannerDep = Annotated[User, require_scope("budget:write")]


def own_member_id(user: MemberDep) -> int:
    """The calling member's own id (a member sees only their own account)."""
    if user.member_id is None:
        raise ForbiddenError("only a member has a balance")
    return user.member_id


OwnMemberDep = Annotated[int, Depends(own_member_id)]


def till_point_of_sale(user: User, requested: int | None) -> int:
    """The point of sale a vendor's login cashes at: ``requested`` if it is one of its own
    (a producer at two markets chooses), else its first."""
    if not user.points_of_sale:
        raise ForbiddenError("only a producer or shop account takes payments")
    if requested is None:
        return user.points_of_sale[0]
    if requested not in user.points_of_sale:
        raise ForbiddenError("this login does not cash at that point of sale")
    return requested


def own_till_in_path(point_of_sale_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                     user: VendorDep) -> int:
    return till_point_of_sale(user, point_of_sale_id)


TillInPathDep = Annotated[int, Depends(own_till_in_path)]


def _viewable_point_of_sale(user: User, requested: int | None) -> int:
    """The one rule: a producer sees only its own point of sale; coordinators and the
    committee (``flows:read``) any."""
    if "flows:read" in user.scopes:
        target = requested if requested is not None else user.point_of_sale_id
        if target is None:
            raise ValidationError("point_of_sale_id is required")
        return target
    if "flows:own" not in user.scopes:
        raise ForbiddenError(f"the {user.role} role may not see a point of sale's demand "
                             "or payers")
    if not user.points_of_sale:
        raise ForbiddenError("this login is not linked to a point of sale")
    if requested is not None and requested not in user.points_of_sale:
        raise ForbiddenError("a producer sees only its own point of sale")
    return requested if requested is not None else user.points_of_sale[0]


def viewable_point_of_sale_in_path(
        point_of_sale_id: Annotated[int, Path(ge=1, le=MAX_ID)], user: UserDep) -> int:
    return _viewable_point_of_sale(user, point_of_sale_id)


def viewable_point_of_sale_in_query(
        user: UserDep,
        point_of_sale_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> int:
    return _viewable_point_of_sale(user, point_of_sale_id)


OwnPointOfSaleDep = Annotated[int, Depends(viewable_point_of_sale_in_path)]
OwnPointOfSaleQueryDep = Annotated[int, Depends(viewable_point_of_sale_in_query)]


# --- heavy analyses ------------------------------------------------------------------------

class HeavyWork:
    """A bounded pool for the analyses that take seconds (targeting, demand, printed maps):
    ``workers`` threads at most, ``queue`` waiting at most, any more refused with 503 and
    Retry-After, so that a burst of them never takes every thread and CPU from the routes
    that answer in milliseconds."""

    def __init__(self, workers: int, queue: int) -> None:
        self.limiter = anyio.CapacityLimiter(workers)
        self.queue = queue
        self._jobs: dict[Hashable, asyncio.Future[Any]] = {}

    def _check_room(self) -> None:
        waiting = self.limiter.statistics().tasks_waiting
        if self.limiter.available_tokens == 0 and waiting >= self.queue:
            raise ServerBusyError(f"the server is busy with {waiting + 1} other analyses: "
                                  f"try again in {ServerBusyError.retry_after_s:.0f} s")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self._check_room()
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs),
                                              limiter=self.limiter)

    def start(self, key: Hashable, fn: Callable[..., T], *args: Any,
              **kwargs: Any) -> asyncio.Future[T]:
        """``fn`` in the pool as a job of its own, which outlives the request that started
        it (a request that stops waiting leaves it running, its answer kept by ``fn``'s
        service); a request for the same ``key`` while it runs joins it."""
        job = self._jobs.get(key)
        if job is not None:
            return job
        self._check_room()
        job = asyncio.ensure_future(anyio.to_thread.run_sync(
            functools.partial(fn, *args, **kwargs), limiter=self.limiter))
        self._jobs[key] = job

        def done(finished: asyncio.Future[Any]) -> None:
            self._jobs.pop(key, None)
            if not finished.cancelled():
                finished.exception()  # retrieved: a request no longer waiting re-asks

        job.add_done_callback(done)
        return job


async def get_heavy(request: Request) -> HeavyWork:
    return request.app.state.heavy  # type: ignore[no-any-return]


HeavyDep = Annotated[HeavyWork, Depends(get_heavy)]


# --- throttles ---------------------------------------------------------------------------------

async def get_throttles(request: Request) -> Throttles:
    return request.app.state.throttles  # type: ignore[no-any-return]


ThrottlesDep = Annotated[Throttles, Depends(get_throttles)]


def client_of(request: Request) -> str:
    """Who sends the request, for the throttles: the client's address as the server sees
    it (behind a proxy, the one it forwards, when uvicorn trusts it)."""
    return request.client.host if request.client else "unknown"


def throttled(name: str) -> Any:
    """A dependency allowing each client the rate ``name`` of :class:`ThrottleSettings`
    (``throttled("volunteers")``: ``volunteers_per_hour``), else 429 with Retry-After."""
    def check(request: Request, throttles: ThrottlesDep) -> None:
        limit = throttles.limit(name)
        wait = limit.hit(client_of(request))
        if wait:
            per = "minute" if limit.period_s == 60 else "hour"
            raise TooManyRequestsError(
                f"too many requests from this client ({limit.count} per {per} allowed): "
                f"try again in {retry_after(wait)} s", retry_after_s=wait)

    check.__name__ = f"throttled_{name}"
    return Depends(check)


def logged_in(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
              sessions: SessionsDep, throttles: ThrottlesDep) -> User:
    """The user whose username and password the form holds; logins are throttled per
    client (``login_per_minute``) and per account (back-off after wrong passwords), so
    that no one can try passwords at speed: 429 with Retry-After, the password unread."""
    limit = throttles.limit("login")
    wait = limit.hit(client_of(request))
    if wait:
        raise LoginThrottledError(f"too many logins from this client: try again in "
                                  f"{retry_after(wait)} s", retry_after_s=wait)
    account = form.username.strip().casefold()[:200]
    wait = throttles.accounts.wait(account)
    if wait:
        raise LoginThrottledError(f"too many wrong passwords for this account: try again in "
                                  f"{retry_after(wait)} s", retry_after_s=wait)
    try:
        user = authenticate(sessions, form.username, form.password)
    except AuthError:
        throttles.accounts.failed(account)
        raise
    throttles.accounts.succeeded(account)
    return user


LoginDep = Annotated[User, Depends(logged_in)]


# --- query parameters shared by several routes ---------------------------------------------

def parse_bbox(value: str | None) -> BBox | None:
    """``"minlon,minlat,maxlon,maxlat"`` in WGS84 degrees, or None."""
    if value is None or value == "":
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise ValidationError(f"bbox must be 4 numbers minlon,minlat,maxlon,maxlat, got {value!r}")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise ValidationError(f"bbox must be 4 numbers, got {value!r}") from None
    if not all(v == v and abs(v) != float("inf") for v in (minx, miny, maxx, maxy)):
        raise ValidationError(f"bbox must be finite numbers, got {value!r}")
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError(
            f"bbox {value!r} is not minlon,minlat,maxlon,maxlat within [-180,180]x[-90,90] "
            "with min <= max"
        )
    return minx, miny, maxx, maxy


def _bbox_query(
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat (WGS84)",
                                      max_length=200, pattern=BBOX_PATTERN)] = None,
) -> BBox | None:
    return parse_bbox(bbox)


BBoxDep = Annotated[BBox | None, Depends(_bbox_query)]


def weekday(value: str | None) -> str | None:
    """A weekday code (``Mo``..``Su``) or None."""
    return check_weekday(value) if value else None


async def _open_on_query(
    open_on: Annotated[Weekday | None, Query(description="only places open that day")] = None,
) -> str | None:
    return weekday(open_on)


OpenOnDep = Annotated[str | None, Depends(_open_on_query)]
Threshold = Annotated[float | None, Query(gt=0, le=120,
                                          description="desert threshold, minutes of walk")]


def desert_report(sessions: SessionsDep, walking: WalkingDep, open_on: OpenOnDep,
                  threshold_min: Threshold = None,
                  walk_speed_kmh: Annotated[float | None, Query(ge=2, le=7)] = None
                  ) -> DesertReport:
    """The food-desert report for the query's threshold, weekday and walking speed."""
    return walking.deserts(sessions, threshold_min=threshold_min, open_on=open_on,
                           walk_speed_kmh=walk_speed_kmh)


ReportDep = Annotated[DesertReport, Depends(desert_report)]
