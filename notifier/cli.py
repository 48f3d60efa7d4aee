"""Flask CLI commands: `keys create|revoke`, `db upgrade`, `relay`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from notifier import migrate
from notifier.compliance import keys
from notifier.errors import NotifierError
from notifier.services import current as services

keys_cli = AppGroup("keys", help="Make and revoke API keys.")
db_cli = AppGroup("db", help="The database schema.")


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
    app.cli.add_command(relay)
