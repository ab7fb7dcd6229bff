"""One-time passwords for imported members.

Each member gets a random 10-character password (about 57 bits) that they must
replace at first login. Key stretching protects weak, human-chosen passwords; a
random one-time secret of this strength does not need the full PBKDF2 work factor,
and paying it (about 0.2 s a member) would hold an import of thousands of rows for
many minutes. So the hash uses the configured PBKDF2 algorithm with fewer
iterations; Django upgrades it to the full count at the first successful login,
and the forced password change replaces it anyway. Any other default hasher is
used as it is configured.
"""

from __future__ import annotations

import secrets
import string

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password

ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lIo")
LENGTH = 10
ITERATIONS = 10_000


def initial_password_generate() -> str:
    """Letters and digits without look-alikes (0/O, 1/l/I), always at least one of each."""
    while True:
        password = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def initial_password_hash(password: str) -> str:
    hasher = get_hasher()
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=ITERATIONS)
    return make_password(password, hasher=hasher)
