"""Bitstring Status List v1.0 (W3C): a GZIP-compressed bitstring, base64url without padding
behind the multibase prefix ``u``; bit 0 is the most significant bit of the first byte."""

import base64
import gzip

# The specification's minimum (16 KB), so that one list hides which credential is which.
LIST_SIZE = 131072


def encode(revoked_indexes: set[int], size: int = LIST_SIZE) -> str:
    bits = bytearray(size // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same text, so a re-signed list is identical.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def is_set(encoded_list: str, index: int) -> bool:
    if not encoded_list.startswith("u"):
        raise ValueError("the status list is not base64url multibase")
    text = encoded_list[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    if not 0 <= index < len(bits) * 8:
        raise ValueError("the status index is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def position(credential_number: int) -> tuple[int, int]:
    """(list number, index in that list) of the credential with this row id."""
    return credential_number // LIST_SIZE + 1, credential_number % LIST_SIZE
