"""The lifecycle commands (erase, backup, restore, audit) and the command line's rough edges, run as
users run them: a real process, a real database file."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from alliance_metrics.store import Store
from tests.conftest import at, insert_clients, insert_sessions
from tests.test_cli import ROOT, cli


def cli_with_key(key, *args: str) -> subprocess.CompletedProcess:
    """Run the command line with the practice key file *key* (erasures remember clients under it)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "ALLIANCE_SECRET_FILE": str(key)}
    return subprocess.run([sys.executable, "-m", "alliance_metrics", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def practice(path) -> None:
    store = Store(path)
    insert_clients(store, [dict(client_id="ZQX-CANARY-ID", display_name="Perpetua Canaryname", goal="canary goal")])
    insert_sessions(store, [
        dict(client_id="ZQX-CANARY-ID", scheduled_start=at("2026-01-05 10:00"), status="attended"),
        dict(client_id="B", scheduled_start=at("2026-01-06 10:00"), status="attended", alliance_rating=33),
        dict(client_id="B", scheduled_start=at("2026-01-13 10:00"), status="no_show"),
    ])
    store.close()


def test_read_only_commands_never_create_a_database(tmp_path):
    for command in (["scores"], ["audit"], ["audit", "--verify"], ["backup", str(tmp_path / "b.duckdb")],
                    ["erase", "X", "--yes"], ["supervisor-export", "--out", str(tmp_path / "x.json")]):
        result = cli(*command, "--db", str(tmp_path / "typo" / "alliance.duckdb"))
        assert result.returncode == 1, (command, result.stderr)
        assert "There is no database at" in result.stderr and "Traceback" not in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_supervisor_export_into_a_missing_folder_says_so(tmp_path):
    practice(tmp_path / "a.duckdb")
    result = cli("supervisor-export", "--db", str(tmp_path / "a.duckdb"), "--out", str(tmp_path / "no" / "x.json"))
    assert result.returncode == 2
    assert "does not exist. Create it first" in result.stderr and "Traceback" not in result.stderr


def test_erase_backup_restore_and_audit_from_the_command_line(tmp_path):
    db, saved = tmp_path / "a.duckdb", tmp_path / "backup.duckdb"
    practice(db)
    before = cli("scores", "--db", str(db)).stdout
    assert cli("backup", str(saved), "--db", str(db)).returncode == 0

    refused = cli("erase", "ZQX-CANARY-ID", "--db", str(db))          # no terminal, no --yes
    assert refused.returncode == 2 and "--yes" in refused.stderr
    key = tmp_path / "keys" / "practice.key"
    erased = cli_with_key(key, "erase", "ZQX-CANARY-ID", "--yes", "--db", str(db))
    assert erased.returncode == 0, erased.stderr
    assert "warning: there is no practice key file" in erased.stderr and key.exists()
    assert "1 session(s)" in erased.stdout
    assert b"CANARY" not in db.read_bytes() and b"Canaryname" not in db.read_bytes()
    after_erasure = cli("scores", "--db", str(db)).stdout
    assert after_erasure != before

    assert cli("restore", str(saved), "--db", str(db)).returncode == 1   # no --force
    restored = cli_with_key(key, "restore", str(saved), "--db", str(db), "--force")
    assert restored.returncode == 0, restored.stderr
    assert "erased again 1 client(s)" in restored.stdout   # the backup predates the erasure
    assert cli("scores", "--db", str(db)).stdout == after_erasure
    assert b"CANARY" not in db.read_bytes() and b"Canaryname" not in db.read_bytes()

    log = cli("audit", "--db", str(db))
    assert log.returncode == 0 and "restore" in log.stdout
    assert cli("audit", "--verify", "--db", str(db)).returncode == 0
    with duckdb.connect(str(db)) as con:
        con.execute("update audit_log set details = '{}' where seq = 1")
    verify = cli("audit", "--verify", "--db", str(db))
    assert verify.returncode == 1 and "row 1 was altered" in verify.stderr


def test_terminal_escape_codes_in_the_data_are_shown_not_run(tmp_path):
    db = tmp_path / "a.duckdb"
    store = Store(db)
    insert_sessions(store, [dict(client_id="evil\x1b[2J\x1b]0;owned\x07", scheduled_start=at("2026-01-05 10:00"),
                                 status="attended")])
    store.close()
    result = cli("scores", "--db", str(db))
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "evil\\x1b[2J" in result.stdout

    log = tmp_path / "log.csv"
    log.write_text("client_id,scheduled_start,status\nA,2026-01-05 10:00,\x1b[31mattended\n", encoding="utf-8")
    rejected = cli("import", str(log), "--db", str(db))
    assert rejected.returncode == 1 and "\x1b" not in rejected.stderr


def test_a_bad_setting_in_the_file_warns_and_every_command_still_works(tmp_path):
    db = tmp_path / "a.duckdb"
    practice(db)
    with duckdb.connect(str(db)) as con:
        con.execute("insert into settings (name, value) values ('k_anonymity', 3)")
    result = cli("scores", "--db", str(db))
    assert result.returncode == 0
    assert "Minimum clients behind a figure (k)" in result.stderr and "Settings page" in result.stderr


def test_a_utf16_file_cut_short_is_refused_with_what_to_do(tmp_path):
    log = tmp_path / "log.csv"
    log.write_bytes("client_id,scheduled_start,status\nA,2026-01-05 10:00,attended\n".encode("utf-16")[:-1])
    result = cli("import", str(log), "--db", str(tmp_path / "a.duckdb"))
    assert result.returncode == 1
    assert "may be cut short" in result.stderr and "Traceback" not in result.stderr


def test_erase_with_an_unusable_key_file_erases_nothing_and_says_why(tmp_path):
    db = tmp_path / "a.duckdb"
    practice(db)
    refused = cli("erase", "ZQX-CANARY-ID", "--yes", "--db", str(db))   # HOME is the repository: no key there
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "must live outside the repository" in refused.stderr and "Nothing was erased" in refused.stderr
    store = Store(db)
    assert store.scalar("select count(*) from sessions where client_id = 'ZQX-CANARY-ID'") == 1
    store.close()
