"""The issuer's signing keys: Ed25519, one PEM file each in a folder of the instance (outside
the database and the web root), readable by the server's user only (0600).

The newest key signs; the older ones stay in the folder and in the published DID document, so
credentials signed before a rotation keep verifying."""

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lms.timeutil import utcnow

SUFFIX = ".pem"


class NoSigningKey(RuntimeError):
    """No key has been generated yet: ``flask credentials keygen``."""


@dataclass(frozen=True)
class SigningKey:
    key_id: str  # key-<number>-<date>: the newest key sorts last
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


def generate(key_dir: Path) -> SigningKey:
    """A new key, which becomes the signing key; the older ones are kept for verification."""
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Numbered, so the newest sorts last whatever the clock says; O_EXCL below refuses a
    # number another process has just taken.
    number = len(list(key_dir.glob(f"key-*{SUFFIX}"))) + 1
    key_id = f"key-{number:03d}-{utcnow():%Y%m%d}"
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = key_dir / f"{key_id}{SUFFIX}"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return SigningKey(key_id, private_key)


def load_all(key_dir: Path) -> list[SigningKey]:
    """Every key of the folder, oldest first."""
    if not key_dir.is_dir():
        return []
    keys = []
    for path in sorted(key_dir.glob(f"key-*{SUFFIX}")):
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise ValueError(f"{path.name}: not an Ed25519 key")
        keys.append(SigningKey(path.name.removesuffix(SUFFIX), private_key))
    return keys


def current(key_dir: Path) -> SigningKey:
    keys = load_all(key_dir)
    if not keys:
        raise NoSigningKey("no credential signing key: run `flask credentials keygen`")
    return keys[-1]
