"""Flask CLI commands: `keys create|revoke|list|reply-webhook`, `staff create|disable`,
`db upgrade`, `relay`; and those of `notifier.ops_cli`: `retention apply`, `sms inbound`."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from notifier import migrate, ops_cli
from notifier.compliance import keys, staff
from notifier.errors import NotifierError
from notifier.services import current as services

keys_cli = AppGroup("keys", help="Make and revoke API keys.")
db_cli = AppGroup("db", help="The database schema.")
staff_cli = AppGroup("staff", help="Make and disable compliance staff's console accounts.")


@keys_cli.command("create")
@click.argument("name")
@click.option("--scopes", required=True, help=f"Comma-separated, from: {', '.join(keys.SCOPES)}.")
def create_key(name: str, scopes: str) -> None:
    """Make a key; it is printed once, alone on the last line."""
    svc = services()
    try:
        with svc.db.session() as session:
            key = keys.create_key(session, name, scopes.split(","), svc.clock.now())
    except NotifierError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"Created key {name!r} with scopes {scopes}. It is shown only now:")
    click.echo(key)


@keys_cli.command("revoke")
@click.argument("name")
def revoke_key(name: str) -> None:
    """Revoke the key named NAME at once."""
    svc = services()
    try:
        with svc.db.session() as session:
            keys.revoke_key(session, name, svc.clock.now())
    except NotifierError as error:
        raise click.ClickException(error.detail) from None
    svc.keys.forget()
    click.echo(f"Revoked key {name!r}.")


@staff_cli.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(staff.ROLES), help="admin may also erase.")
@click.option(
    "--timezone", default="UTC", show_default=True, help="Times shown without a browser's."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_staff(name: str, role: str, timezone: str, password_stdin: bool) -> None:
    """Make a console account; without --password-stdin a password is printed once, last."""
    given = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    password = given or staff.new_password()
    svc = services()
    try:
        with svc.db.session() as session:
            staff.create_account(session, name, role, password, svc.clock.now(), timezone)
    except NotifierError as error:
        raise click.ClickException(error.detail) from None
    if given:
        click.echo(f"Created {role} {name!r} with the password given.")
    else:
        click.echo(f"Created {role} {name!r}. The password is shown only now:")
        click.echo(password)


@staff_cli.command("disable")
@click.argument("name")
def disable_staff(name: str) -> None:
    """Disable the account NAME; its sessions end on their next request."""
    svc = services()
    try:
        with svc.db.session() as session:
            staff.disable_account(session, name, svc.clock.now())
    except NotifierError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"Disabled {name!r}.")


@keys_cli.command("list")
def list_keys() -> None:
    """Every key: name, prefix, scopes, made, revoked (never the key itself)."""
    svc = services()
    with svc.db.session() as session:
        rows = keys.list_keys(session)
    for row in rows:
        revoked = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
        made = f"{row.created_at:%Y-%m-%d %H:%M}"
        click.echo(f"{row.name}\t{row.prefix}...\t{','.join(row.scopes)}\tmade {made}\t{revoked}")


@keys_cli.command("reply-webhook")
def reply_webhook_key() -> None:
    """The key that signs forwarded replies (X-Notifier-Signature), in hex, for producers."""
    from notifier.inbound.signing import signing_key

    click.echo(signing_key(services().settings.secret_key).hex())


@db_cli.command("upgrade")
def upgrade() -> None:
    """Apply every migration not yet applied."""
    migrate.upgrade(services().settings.database_url)
    click.echo("Database is up to date.")


@click.command("relay")
def relay() -> None:
    """Put texts that Redis does not hold on the queue, every few seconds."""
    from workers.relay import run_forever

    run_forever(services())


def register(app: Flask) -> None:
    """Add the commands to `flask --app wsgi`."""
    app.cli.add_command(keys_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(relay)
    ops_cli.register(app)
