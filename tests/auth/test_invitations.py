"""Invitations on both backends: issued, used once, replaced, expired; member, vendor of
several points of sale, and a new password."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from geo_caisse.auth.invitations import (
    accept_invitation,
    issue_invitation,
    normalise_code,
    read_invitation,
    waiting_invitations,
)
from geo_caisse.auth.users import accounts, authenticate, create_user, set_active
from geo_caisse.core.errors import AuthError, ConflictError, NotFoundError, ValidationError
from geo_caisse.core.territory import Territory
from geo_caisse.mona.accounts import register_member
from geo_caisse.storage import writer_sessions
from geo_caisse.storage.models import InvitationRow, PointOfSaleRow
from tests.utils.stores import PASSWORD, Store


def _shops(store: Store, n: int) -> list[int]:
    with store.sessions() as s:
        return list(s.scalars(select(PointOfSaleRow.id).where(
            PointOfSaleRow.accepts_mona.is_(True)).order_by(PointOfSaleRow.id).limit(n)))


def test_a_member_joins_with_the_code_of_their_letter(store: Store,
                                                      territory: Territory) -> None:
    sessions = writer_sessions(store.engine)
    member = register_member(sessions, territory, joined_on=date(2026, 11, 2))
    made = issue_invitation(sessions, territory, by="coord", member_id=member.id)
    assert made.purpose == "member" and len(made.display_code) == 14
    assert made.expires_at - datetime.now(UTC) > timedelta(days=29)
    with store.sessions() as s:   # only its hash is kept
        row = s.scalar(select(InvitationRow))
        assert row is not None and made.code not in row.code_sha256
    # typed as on paper, in lower case, with its dashes and a look-alike
    typed = made.display_code.lower().replace("0", "o")
    assert read_invitation(sessions, typed).purpose == "member"
    user = accept_invitation(sessions, typed, username="amina", password=PASSWORD)
    assert (user.role, user.member_id) == ("member", member.id)
    assert authenticate(sessions, "amina", PASSWORD).member_id == member.id
    with pytest.raises(AuthError, match="not valid"):        # once only
        accept_invitation(sessions, made.code, username="amina2", password=PASSWORD)
    with pytest.raises(ConflictError, match="already has a login"):
        issue_invitation(sessions, territory, by="coord", member_id=member.id)


def test_nothing_is_written_when_the_choice_is_refused(store: Store,
                                                       territory: Territory) -> None:
    sessions = writer_sessions(store.engine)
    member = register_member(sessions, territory, joined_on=date(2026, 11, 2))
    create_user(sessions, username="taken", password=PASSWORD, role="coordinator")
    made = issue_invitation(sessions, territory, by="coord", member_id=member.id)
    with pytest.raises(ConflictError, match="already taken"):
        accept_invitation(sessions, made.code, username="taken", password=PASSWORD)
    with pytest.raises(ValidationError, match="commonest"):
        accept_invitation(sessions, made.code, username="amina", password="azertyuiop")
    with pytest.raises(ValidationError, match="login must be"):
        accept_invitation(sessions, made.code, username="a b", password=PASSWORD)
    # the code still works: nothing was half-written
    assert accept_invitation(sessions, made.code, username="amina",
                             password=PASSWORD).member_id == member.id


def test_a_newer_letter_replaces_the_waiting_one_and_codes_expire(
        store: Store, territory: Territory) -> None:
    sessions = writer_sessions(store.engine)
    member = register_member(sessions, territory, joined_on=date(2026, 11, 2))
    first = issue_invitation(sessions, territory, by="coord", member_id=member.id)
    second = issue_invitation(sessions, territory, by="coord", member_id=member.id)
    assert [w.id for w in waiting_invitations(sessions)] == [second.id]
    with pytest.raises(AuthError, match="replaced by a newer letter"):
        read_invitation(sessions, first.code)
    later = datetime.now(UTC) + timedelta(days=31)
    with pytest.raises(AuthError, match="expired"):
        accept_invitation(sessions, second.code, username="amina", password=PASSWORD,
                          now=later)
    with pytest.raises(ValidationError, match="12 letters"):
        normalise_code("ABC")
    with pytest.raises(AuthError, match="not valid"):
        read_invitation(sessions, "ZZZZ-ZZZZ-ZZZZ")


def test_a_producer_at_two_markets_gets_one_login_for_both(store: Store,
                                                          territory: Territory) -> None:
    sessions = writer_sessions(store.engine)
    a, b = _shops(store, 2)
    made = issue_invitation(sessions, territory, by="coord", points_of_sale=[a, b])
    assert made.purpose == "vendor" and len(made.points_of_sale) == 2
    user = accept_invitation(sessions, made.code, username="ferme.aubes", password=PASSWORD)
    assert user.points_of_sale == (a, b) and user.role == "producer"
    assert authenticate(sessions, "ferme.aubes", PASSWORD).points_of_sale == (a, b)
    [acct] = [x for x in accounts(sessions) if x.username == "ferme.aubes"]
    assert [p for p, _ in acct.points_of_sale] == [a, b]
    with pytest.raises(NotFoundError):
        issue_invitation(sessions, territory, by="coord", points_of_sale=[a, 10**9])
    with pytest.raises(ValidationError, match="one of them"):
        issue_invitation(sessions, territory, by="coord")


def test_a_new_password_by_letter_and_a_disabled_login(store: Store,
                                                       territory: Territory) -> None:
    sessions = writer_sessions(store.engine)
    create_user(sessions, username="claire", password=PASSWORD, role="coordinator")
    set_active(sessions, "claire", False)
    with pytest.raises(AuthError, match="disabled"):
        authenticate(sessions, "claire", PASSWORD)
    made = issue_invitation(sessions, territory, by="coord", username="claire")
    assert read_invitation(sessions, made.code).username == "claire"
    with pytest.raises(ValidationError, match="resets the password of 'claire'"):
        accept_invitation(sessions, made.code, username="other", password="un nouveau secret")
    accept_invitation(sessions, made.code, password="un nouveau secret")
    assert authenticate(sessions, "claire", "un nouveau secret").role == "coordinator"
    with pytest.raises(AuthError, match="wrong username or password"):
        authenticate(sessions, "claire", PASSWORD)
