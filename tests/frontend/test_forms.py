"""What the account forms decide before the API is asked."""

from __future__ import annotations

import pytest

from frontend.api import ApiError
from frontend.enet.state import MISMATCH, confirmed_password


def test_a_new_password_typed_twice_alike_goes_on():
    form = {"new_password": "Atarashii-Kagi-2026", "new_password_confirm": "Atarashii-Kagi-2026"}
    assert confirmed_password(form, "new_password", "new_password_confirm") == "Atarashii-Kagi-2026"


def test_a_mismatch_is_refused_on_the_confirmation_box_like_an_api_400():
    form = {"new_password": "Atarashii-Kagi-2026", "new_password_confirm": "Atarashii-Kagi-2027"}
    with pytest.raises(ApiError) as refused:
        confirmed_password(form, "new_password", "new_password_confirm")
    assert refused.value.code == "validation" and refused.value.errors == {"new_password_confirm": MISMATCH}
