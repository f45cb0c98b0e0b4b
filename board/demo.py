"""`flask --app app demo`: fill an empty database with a believable task force."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import func, select

from models import User


@click.command("demo")
def demo_command():
    """Fill an empty database with demo data (does nothing when people exist)."""
    with current_app.extensions["board_db"].Session() as session:
        if session.scalar(select(func.count(User.id))):
            click.echo("The database already has people; demo data not loaded.")
            return
        click.echo("Demo data: not written yet.")
