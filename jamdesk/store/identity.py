"""This install's identity key on disk (issue 16): ``identity.key`` in the data folder, the
raw 32-byte Ed25519 private key, readable by its owner only (mode 0600), written atomically.

Losing it makes this computer a new person in rooms (history stays; seniority and removal
follow the key). A file that is not a key is kept aside as ``identity.key.damaged`` (logged)
and a new key is made, so a damaged file never stops the app.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from jamdesk.protocol.identity import Identity

log = logging.getLogger(__name__)

KEY_NAME = "identity.key"


def load_identity(folder: Path) -> Identity:
    """The identity kept in ``folder``, made (and saved) on first use. Raises ``OSError``
    when the folder cannot be written."""
    path = folder / KEY_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = None
    if raw is not None:
        if len(raw) == 32:
            return Identity(Ed25519PrivateKey.from_private_bytes(raw))
        log.warning("%s is not an identity key; kept aside, making a new one", path)
        path.replace(path.with_name(KEY_NAME + ".damaged"))
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    tmp = path.with_name(KEY_NAME + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, raw)
        os.fsync(fd)
    finally:
        os.close(fd)
    tmp.replace(path)
    return Identity(key)
