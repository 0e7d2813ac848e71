"""The identity key on disk: the same person across starts, private, and a damaged file
kept aside rather than stopping the app."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from jamdesk.store.identity import KEY_NAME, load_identity


def test_the_key_is_made_once_kept_private_and_proves_the_same_id(tmp_path: Path) -> None:
    first = load_identity(tmp_path)
    again = load_identity(tmp_path)
    assert first.participant_id == again.participant_id
    assert first.participant_id.startswith("k")
    assert len(first.participant_id) == 16
    mode = stat.S_IMODE((tmp_path / KEY_NAME).stat().st_mode)
    assert mode == 0o600  # readable by its owner only
    assert not (tmp_path / (KEY_NAME + ".part")).exists()


@pytest.mark.allow_warnings
def test_a_damaged_key_file_is_kept_aside_and_a_new_key_made(tmp_path: Path) -> None:
    (tmp_path / KEY_NAME).write_bytes(b"not a key")
    made = load_identity(tmp_path)
    assert (tmp_path / (KEY_NAME + ".damaged")).read_bytes() == b"not a key"
    assert load_identity(tmp_path).participant_id == made.participant_id
