"""``tanbih coalition``: check a coalition file, make API tokens for partners."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from tanbih.coalition import load_coalition
from tanbih.coalition.schema import ID_PATTERN
from tanbih.coalition.tokens import hash_token, new_token
from tanbih.domain.coalition import Coalition
from tanbih.errors import CoalitionError

app = typer.Typer(
    help="The coalition file: check it, and make API tokens for its partners.",
    no_args_is_help=True,
)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="The coalition file (coalition.yaml).")],
) -> None:
    """Validate FILE and its zone files; print a summary, or every problem (exit status 1)."""
    try:
        coalition = load_coalition(file)
    except CoalitionError as exc:
        count = len(exc.problems)
        typer.echo(f"{file}: {count} problem{'s' if count != 1 else ''}", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from exc
    for line in summary(coalition):
        typer.echo(line)


def summary(coalition: Coalition) -> list[str]:
    """What an operator checks at a glance: who is in, in which role, reachable how, over what."""
    zones = Counter(zone.partner_id for zone in coalition.zones)
    width = max(len(partner.id) for partner in coalition.partners)
    lines = [
        f"{coalition.name}, version {coalition.version}",
        f"this node: {coalition.node.partner_id}, sending as {coalition.node.sender}",
        f"{len(coalition.partners)} partners:",
    ]
    for partner in coalition.partners:
        languages = ", ".join(partner.languages)
        lines.append(
            f"  {partner.id:<{width}}  {partner.role.value:<11}  "
            f"{len(partner.contacts)} contacts  {zones[partner.id]:>5} zones  "
            f"{partner.name} ({languages})"
        )
    lines.append(f"{len(coalition.zones)} zones in all")
    if coalition.policies:
        lines.append(f"policy sections: {', '.join(sorted(coalition.policies))}")
    return lines


@app.command()
def token(
    partner_id: Annotated[str, typer.Argument(help="The partner's id in the coalition file.")],
) -> None:
    """Make a fresh API token for PARTNER_ID and print the hash line for the coalition file."""
    if not ID_PATTERN.fullmatch(partner_id):
        typer.echo(f"{partner_id!r} is not a partner id (lowercase letters, digits, '-')", err=True)
        raise typer.Exit(2)
    secret = new_token()
    typer.echo(f"API token for {partner_id} (hand it over privately; it is not kept anywhere):")
    typer.echo(f"  {secret}")
    typer.echo(f"Add this line to the tokens of partner {partner_id} in the coalition file:")
    typer.echo(f"      - {hash_token(secret)}")
