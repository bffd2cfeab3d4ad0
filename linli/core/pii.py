"""Personal data: validation (GB 11643), masking, encryption at rest and blind indexes.

Encryption is AES-256-GCM with a random 96-bit nonce; the stored text is
``v1:<base64(nonce || ciphertext)>``. The blind index is an HMAC-SHA256 of the
normalised value under a separate key, so exact lookups work without storing
the clear value and without letting the index be reversed by the encryption key.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
from functools import lru_cache
from operator import mul

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class PIIError(ValueError):
    """A personal-data value is malformed; the message is for people (Chinese by default)."""


def normalize_id_number(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def id_check_digit(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("17 digits expected")
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def validate_id_number(raw: str) -> str:
    """Return the normalised 18-digit resident ID number or raise PIIError.

    Checks the format, the birth date embedded in digits 7-14 and the GB 11643
    (ISO 7064 MOD 11-2) check digit.
    """
    value = normalize_id_number(raw)
    if not _ID_RE.match(value):
        raise PIIError(_("ID number must be 18 characters: 17 digits and a digit or X"))
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise PIIError(_("ID number contains an impossible birth date")) from None
    if birth.year < 1900 or birth > dt.date.today():
        raise PIIError(_("ID number contains an impossible birth date"))
    if id_check_digit(value[:17]) != value[17]:
        raise PIIError(_("ID number check digit is wrong (GB 11643)"))
    return value


def id_number_birth_date(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_number_gender(value: str) -> str:
    """'M' or 'F' from the 17th digit (odd = male)."""
    return "M" if int(value[16]) % 2 else "F"


def normalize_phone(raw: str) -> str:
    value = re.sub(r"[\s()]", "", str(raw or ""))
    if value.startswith("+86"):
        value = value[3:]
    return value


def validate_phone(raw: str) -> str:
    value = normalize_phone(raw)
    if _MOBILE_RE.match(value) or _LANDLINE_RE.match(value):
        return value
    raise PIIError(_("Phone number must be an 11-digit mobile number or a landline with area code"))


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) >= 11:
        return f"{value[:3]}****{value[-4:]}"
    return f"{'*' * max(len(value) - 4, 0)}{value[-4:]}"


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def _key(setting: str, purpose: bytes) -> bytes:
    configured = getattr(settings, setting, "")
    if configured:
        key = base64.urlsafe_b64decode(configured)
        if len(key) != 32:
            raise ImproperlyConfigured(f"{setting} must be 32 bytes, base64-encoded")
        return key
    if not settings.SECRET_KEY:
        raise ImproperlyConfigured(f"{setting} or SECRET_KEY must be set")
    # Development fallback: a key derived from SECRET_KEY, separate per purpose.
    return hmac.new(settings.SECRET_KEY.encode(), purpose, hashlib.sha256).digest()


@lru_cache(maxsize=4)
def _aead(secret_marker: str) -> AESGCM:
    return AESGCM(_key("LINLI_PII_KEY", b"linli-pii-encryption"))


@lru_cache(maxsize=4)
def _index_key(secret_marker: str) -> bytes:
    return _key("LINLI_BLIND_INDEX_KEY", b"linli-pii-blind-index")


def _marker() -> str:
    # Keys are cached per configuration, so tests that override settings get fresh keys.
    return f"{settings.SECRET_KEY}|{settings.LINLI_PII_KEY}|{settings.LINLI_BLIND_INDEX_KEY}"


def encrypt(value: str | None) -> str:
    if not value:
        return ""
    nonce = os.urandom(12)
    blob = nonce + _aead(_marker()).encrypt(nonce, value.encode(), b"linli")
    return "v1:" + base64.b64encode(blob).decode()


def encryptor():
    """``encrypt`` with its key looked up once, for bulk work such as ledger imports."""
    aead = _aead(_marker())

    def encrypt_one(value: str | None) -> str:
        if not value:
            return ""
        nonce = os.urandom(12)
        return (
            "v1:" + base64.b64encode(nonce + aead.encrypt(nonce, value.encode(), b"linli")).decode()
        )

    return encrypt_one


def decrypt(token: str | None) -> str:
    if not token:
        return ""
    if not token.startswith("v1:"):
        raise PIIError("unknown ciphertext version")
    blob = base64.b64decode(token[3:])
    return _aead(_marker()).decrypt(blob[:12], blob[12:], b"linli").decode()


def seal(data: bytes, context: str) -> bytes:
    """Encrypt a blob of personal data (a parsed ledger, say) for keeping on disk.
    ``context`` is authenticated, not stored: ``unseal`` must be given the same one."""
    nonce = os.urandom(12)
    return nonce + _aead(_marker()).encrypt(nonce, data, context.encode())


def unseal(blob: bytes, context: str) -> bytes:
    """The data ``seal`` was given; raises PIIError if the blob or the context differ."""
    from cryptography.exceptions import InvalidTag

    try:
        return _aead(_marker()).decrypt(blob[:12], blob[12:], context.encode())
    except (InvalidTag, ValueError):
        raise PIIError("sealed data does not match its context") from None


def blind_index(value: str | None) -> str:
    """Deterministic keyed digest for exact lookup; empty input gives an empty index."""
    if not value:
        return ""
    return hmac.new(_index_key(_marker()), value.encode(), hashlib.sha256).hexdigest()[:40]


def blind_indexer():
    """``blind_index`` with its key looked up once: for bulk work such as ledger imports,
    where the per-call settings lookup costs more than the digest itself."""
    key = _index_key(_marker())

    def index(value: str | None) -> str:
        if not value:
            return ""
        return hmac.digest(key, value.encode(), "sha256").hex()[:40]

    return index
