"""What a new password must be."""

from __future__ import annotations

import pytest

from geo_caisse.auth.passwords import check_new_password, common_passwords
from geo_caisse.core.errors import ValidationError


def test_the_common_list_is_loaded_with_french_ones() -> None:
    common = common_passwords()
    assert len(common) > 15_000
    assert {"password123", "azertyuiop", "motdepasse"} <= common


@pytest.mark.parametrize(("password", "why"), [
    ("court", "at least 10"),
    ("azertyuiop", "commonest"),
    ("Password123", "commonest"),            # case does not hide it
    ("motdepasse2024", "commonest"),         # nor digits at the end
    ("aaaaaaaaaaaa", "too few"),
    ("alice-et-ses-salades", "must not contain the login"),
    ("x" * 201, "at most 200"),
])
def test_weak_passwords_are_refused_with_the_reason(password: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        check_new_password(password, username="alice")


def test_a_good_password_passes() -> None:
    assert check_new_password("des radis au marché", username="alice")
    assert check_new_password("correct horse battery")
