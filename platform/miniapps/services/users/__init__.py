"""People: accounts and passwords, signing in (throttled, the same for every address),
server-side sessions and API tokens. The modules:

- :mod:`.accounts`: accounts, memberships, setting and changing passwords;
- :mod:`.passwords`: argon2id hashing and the constant-cost check;
- :mod:`.sign_in`: signing in, with :mod:`.throttle` (back-off per client and account);
- :mod:`.user_sessions`: server-side sessions (sign-out, timeouts, password changes);
- :mod:`.tokens`: API tokens (expiry, revocation, throttled last-use bookkeeping).
"""

from miniapps.services.users.accounts import (
    PasswordChangeInvalid,
    UserError,
    active_user,
    by_email,
    change_password,
    check_password,
    create_user,
    new_password_issues,
    normalise_email,
    set_password,
)
from miniapps.services.users.digests import token_digest
from miniapps.services.users.passwords import MIN_PASSWORD_LENGTH
from miniapps.services.users.tokens import TOKEN_PREFIX, create_token, user_for_token

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "TOKEN_PREFIX",
    "PasswordChangeInvalid",
    "UserError",
    "active_user",
    "by_email",
    "change_password",
    "check_password",
    "create_token",
    "create_user",
    "new_password_issues",
    "normalise_email",
    "set_password",
    "token_digest",
    "user_for_token",
]
