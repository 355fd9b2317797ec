"""The practice secret and the therapists' pseudonyms (SPEC §6, issue 6 item 3)."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat

import pytest

from alliance_metrics.pseudonym import (
    SECRET_ENV,
    PracticeSecret,
    SecretFileError,
    practice_pseudonym,
    practice_secret,
    pseudonym,
    secret_path,
)

KEY = bytes(range(32))


def hmac_sha256_by_hand(key: bytes, message: bytes) -> str:
    """RFC 2104 written out with hashlib alone: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), 64-byte blocks."""
    block = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block) + message).digest()
    return hashlib.sha256(bytes(b ^ 0x5C for b in block) + inner).hexdigest()


def test_the_hand_written_hmac_matches_rfc_4231_test_case_2():
    # RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?"
    assert hmac_sha256_by_hand(b"Jefe", b"what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


def test_pseudonym_is_the_keyed_hmac_of_the_therapist_id_never_a_plain_hash():
    expected = "Therapist " + hmac_sha256_by_hand(KEY, b"therapist:T01")[:8]
    assert pseudonym("T01", PracticeSecret(KEY)) == expected
    assert hashlib.sha256(b"T01").hexdigest()[:8] not in expected
    assert practice_pseudonym(PracticeSecret(KEY)) == "Practice " + hmac_sha256_by_hand(KEY, b"practice")[:8]


def test_pseudonym_is_stable_across_runs_and_differs_under_another_secret(tmp_path):
    path = tmp_path / "keys" / "practice.key"
    first_run = pseudonym("Dr Martin", practice_secret(path))
    second_run = pseudonym("Dr Martin", practice_secret(path))      # the file is read again
    assert first_run == second_run
    other = pseudonym("Dr Martin", practice_secret(tmp_path / "other.key"))
    assert other != first_run
    assert pseudonym("Dr Martine", practice_secret(path)) != first_run


def test_secret_file_is_created_once_owner_only_and_reused(tmp_path):
    path = tmp_path / "config" / "alliance" / "practice.key"
    secret = practice_secret(path)
    content = path.read_text()
    assert len(content.strip()) == 64 and int(content, 16) >= 0       # 32 bytes as hex
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = practice_secret(path)
    assert path.read_text() == content                                  # not rewritten
    assert pseudonym("T1", again) == pseudonym("T1", secret)


def test_secret_path_comes_from_the_environment_else_the_home_config(monkeypatch, tmp_path):
    monkeypatch.setenv(SECRET_ENV, str(tmp_path / "k.key"))
    assert secret_path() == tmp_path / "k.key"
    practice_secret()
    assert (tmp_path / "k.key").exists()
    monkeypatch.delenv(SECRET_ENV)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert secret_path() == tmp_path / "home" / ".config" / "alliance" / "practice.key"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_key_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "practice.key"
    practice_secret(path)
    path.chmod(0o644)
    content = path.read_text().strip()
    with pytest.raises(SecretFileError, match="chmod 600") as error:
        practice_secret(path)
    assert content not in str(error.value)


def test_a_damaged_key_file_is_refused_without_echoing_it(tmp_path):
    path = tmp_path / "practice.key"
    path.write_text("not-a-key-0123456789abcdef\n")
    path.chmod(0o600)
    with pytest.raises(SecretFileError, match="64 hexadecimal digits") as error:
        practice_secret(path)
    assert "not-a-key" not in str(error.value)


def test_a_key_file_inside_the_repository_is_refused():
    from alliance_metrics import pseudonym as module
    inside = module._REPOSITORY / "data" / "practice.key"
    with pytest.raises(SecretFileError, match="outside the repository"):
        practice_secret(inside)
    assert not inside.exists()


def test_the_secret_is_never_shown_logged_or_pickled(tmp_path, caplog):
    path = tmp_path / "practice.key"
    with caplog.at_level(logging.DEBUG):
        secret = practice_secret(path)
        pseudonym("T1", secret)
    content = path.read_text().strip()
    assert content not in caplog.text
    for shown in (repr(secret), str(secret), f"{secret}", repr([secret])):
        assert content not in shown and "hidden" in shown
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)


def test_a_secret_must_be_32_bytes():
    with pytest.raises(ValueError, match="32 bytes"):
        PracticeSecret(b"short")
