"""Stable pseudonyms for therapists and the practice, keyed by a practice secret (SPEC §6).

A pseudonym is an HMAC-SHA256 of the therapist's id under a secret only the practice holds,
never a plain hash: without the secret nobody can test a guessed id against a pseudonym, and
with it the same therapist gets the same pseudonym in every export, run after run.

The secret is 32 random bytes, created on first use in a key file outside the database and
outside the repository: ``$ALLIANCE_SECRET_FILE`` when set, else
``~/.config/alliance/practice.key``, readable by its owner only (mode 0600). It is never printed,
logged or shown: :class:`PracticeSecret` hides it from ``repr`` and refuses to be pickled.
Copy the key file to every machine of the practice that exports, so that pseudonyms agree.

Reference: RFC 2104 (HMAC); NIST SP 800-107 §5.3.4 (truncated HMAC output).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

SECRET_ENV = "ALLIANCE_SECRET_FILE"
SECRET_BYTES = 32
PSEUDONYM_HEX = 8   # 32 bits: collisions are negligible among a practice's few therapists

#: The package's parent folder: the repository, or site-packages when installed.
_REPOSITORY = Path(__file__).resolve().parent.parent


class SecretFileError(RuntimeError):
    """The practice key file is unusable: wrong content, too open, or inside the repository."""


class PracticeSecret:
    """The practice's HMAC key; its bytes never appear in a repr, a log or a pickle.

    >>> PracticeSecret(bytes(32))
    PracticeSecret(<hidden>)
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes):
        if not isinstance(key, bytes) or len(key) != SECRET_BYTES:
            raise ValueError(f"A practice secret is {SECRET_BYTES} bytes; the value given is not.")
        self._key = key

    def __repr__(self) -> str:
        return "PracticeSecret(<hidden>)"

    def __reduce__(self):
        raise TypeError("A PracticeSecret cannot be pickled: the key stays in its key file.")

    def __eq__(self, other: object) -> bool:   # the same key, read twice, is the same secret
        return isinstance(other, PracticeSecret) and hmac.compare_digest(self._key, other._key)

    def __hash__(self) -> int:   # of a digest, never of the key: a memo's key may be logged
        return hash(self.hexdigest("memo key"))

    def hexdigest(self, message: str) -> str:
        """HMAC-SHA256 of the UTF-8 *message* under this key, as 64 hex digits."""
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def secret_path() -> Path:
    """Where the practice key file is: ``$ALLIANCE_SECRET_FILE``, else ``~/.config/alliance/practice.key``."""
    explicit = os.environ.get(SECRET_ENV)
    return Path(explicit) if explicit else Path.home() / ".config" / "alliance" / "practice.key"


def practice_secret(path: str | os.PathLike | None = None) -> PracticeSecret:
    """Read the practice secret, creating its key file on first use.

    The file holds the 32 secret bytes as 64 hexadecimal digits. It is created with mode 0600
    (owner read/write only) in a folder created with mode 0700; two processes creating it at
    once cannot overwrite each other (exclusive create).

    Parameters
    ----------
    path : path, optional
        The key file; default :func:`secret_path`.

    Raises
    ------
    SecretFileError
        When the path lies inside the repository or is a folder, the file cannot be created or
        read, it is readable or writable by group or others (POSIX), or it does not hold 64 hex
        digits. The message names the file, never
        its content.
    """
    path = Path(path) if path is not None else secret_path()
    resolved = path.expanduser().resolve()
    if resolved.is_relative_to(_REPOSITORY):
        raise SecretFileError(
            f"The practice key file must live outside the repository; {resolved} is inside "
            f"{_REPOSITORY}. Set {SECRET_ENV} to a path such as ~/.config/alliance/practice.key."
        )
    if resolved.is_dir():
        raise SecretFileError(f"The practice key file {resolved} is a folder. Set {SECRET_ENV} to the path of "
                              "a file (it is created on first use), such as ~/.config/alliance/practice.key.")
    try:
        if not resolved.exists():
            _create(resolved)
        return _read(resolved)
    except OSError as error:
        raise SecretFileError(f"The practice key file {resolved} cannot be created or read ({error.strerror}). "
                              f"Set {SECRET_ENV} to a path in a folder you can write to.") from None


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:   # another process created it first: use theirs
        return
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_bytes(SECRET_BYTES).hex() + "\n")


def _read(path: Path) -> PracticeSecret:
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise SecretFileError(
                f"The practice key file {path} can be read or changed by other users "
                f"(mode {mode:04o}); it must be private to you. Run: chmod 600 {path}"
            )
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != SECRET_BYTES:
        raise SecretFileError(
            f"{path} is not a practice key file: it should hold {2 * SECRET_BYTES} hexadecimal "
            "digits. Restore it from your backup (pseudonyms depend on it), or move it away to "
            "start a new one."
        )
    return PracticeSecret(key)


def pseudonym(therapist_id: str, secret: PracticeSecret) -> str:
    """A therapist's stable pseudonym: "Therapist " and 8 hex digits of a keyed HMAC.

    .. math:: \\text{pseudonym}(t) = \\texttt{"Therapist "} \\Vert
              \\operatorname{hex}(\\operatorname{HMAC\\text{-}SHA256}(s, \\texttt{"therapist:"} \\Vert t))_{1..8}

    where :math:`s` is the practice secret and :math:`t` the therapist id (UTF-8). The same id
    and secret always give the same pseudonym; another secret gives an unrelated one. The
    ``therapist:`` prefix keeps therapist pseudonyms apart from :func:`practice_pseudonym`.

    >>> pseudonym("T01", PracticeSecret(bytes(32))).startswith("Therapist ")
    True
    """
    return "Therapist " + secret.hexdigest("therapist:" + str(therapist_id))[:PSEUDONYM_HEX]


def practice_pseudonym(secret: PracticeSecret) -> str:
    """The practice's own pseudonym, "Practice " and 8 hex digits of HMAC-SHA256(s, "practice").

    It tells a supervisor which exports come from the same practice (same key file) without
    saying which practice it is.
    """
    return "Practice " + secret.hexdigest("practice")[:PSEUDONYM_HEX]
