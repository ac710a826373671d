"""``tanbih agreement``: check the agreement a coalition file declares, compare two versions,
and make and use the Ed25519 keys partners sign it with."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from tanbih.coalition import load_coalition
from tanbih.coalition.agreement_signing import (
    new_key_pair,
    public_key_bytes,
    public_key_of,
    sign_agreement,
    verify_ed25519,
)
from tanbih.domain.agreement import Agreement, ResponseRule
from tanbih.domain.agreement_diff import diff_agreements
from tanbih.domain.agreement_versions import check_signatures
from tanbih.domain.cap import Status
from tanbih.domain.releasability import Level
from tanbih.errors import CoalitionError

app = typer.Typer(
    help="The coalition agreement: check it, compare versions, sign it.",
    no_args_is_help=True,
)

KEY_ENV = "TANBIH_AGREEMENT_KEY"
_CELL = {
    Level.FULL: "full",
    Level.ZONES_ONLY: "zones",
    Level.VIA_COORDINATOR: "via",
    Level.NONE: "-",
}

_NONE = "  (none declared)"

CoalitionFile = Annotated[Path, typer.Argument(help="A coalition file (coalition.yaml).")]


@app.command()
def check(
    file: CoalitionFile,
    require_signatures: Annotated[
        bool, typer.Option(help="Exit 1 unless every party signed this version validly.")
    ] = False,
) -> None:
    """Validate FILE's agreement and print what it says: parties and signatures, sharing,
    areas of responsibility, capabilities and response rules."""
    agreement = _load(file)
    signatures = check_signatures(agreement, verify_ed25519)
    for line in summary(agreement):
        typer.echo(line)
    typer.echo("signatures:")
    for party, state in signatures.states.items():
        typer.echo(f"  {party:<8} {state.value.replace('_', ' ')}")
    if require_signatures and not signatures.complete:
        typer.echo("not every party signed this version", err=True)
        raise typer.Exit(1)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The coalition file of the older version.")],
    new: Annotated[Path, typer.Argument(help="The coalition file of the newer version.")],
) -> None:
    """Print what changes from OLD's agreement to NEW's, one line per change."""
    changes = diff_agreements(_load(old), _load(new))
    for change in changes:
        typer.echo(str(change))
    if not changes:
        typer.echo("no changes to the agreement (signatures are not compared)")


@app.command()
def keygen() -> None:
    """Make a party's Ed25519 key pair for signing agreement versions."""
    private, public = new_key_pair()
    typer.echo("Private key (keep it secret; it never goes into the coalition file):")
    typer.echo(f"  {private}")
    typer.echo("Add this under agreement.keys, with your partner id:")
    typer.echo(f"    <partner>: {public}")


@app.command()
def sign(
    file: CoalitionFile,
    party: Annotated[str, typer.Option(help="The partner id signing.")],
    key_file: Annotated[
        Path | None,
        typer.Option(help=f"File holding the private key; else the {KEY_ENV} variable."),
    ] = None,
) -> None:
    """Sign the agreement version FILE declares as PARTY; print the line to add."""
    agreement = _load(file)
    private = key_file.read_text(encoding="utf-8").strip() if key_file else os.environ.get(KEY_ENV)
    if not private:
        typer.echo(f"give --key-file or set {KEY_ENV}", err=True)
        raise typer.Exit(2)
    if party not in agreement.parties:
        typer.echo(f"{party!r} is not a party to version {agreement.version}", err=True)
        raise typer.Exit(2)
    try:
        public = public_key_of(private)
        signature = sign_agreement(private, agreement)
    except ValueError as exc:
        typer.echo(f"not a private key: {exc}", err=True)
        raise typer.Exit(2) from exc
    if agreement.keys.get(party) != public_key_bytes(public):
        typer.echo(f"warning: this key is not the one agreement.keys declares for {party}")
    typer.echo(
        f"Signature of {party} for version {agreement.version}; add under agreement.signatures:"
    )
    typer.echo(f"    {party}: {signature}")


def summary(agreement: Agreement) -> list[str]:
    """The agreement as its signatories read it, section by section."""
    binding = "binding" if agreement.binding else "non-binding"
    lines = [
        f"{agreement.title}, version {agreement.version} ({binding})",
        f"parties: {', '.join(agreement.parties)}",
        f"never asked to respond: {', '.join(sorted(agreement.non_responders)) or 'nobody'}",
        "sharing (rows: source, columns: recipient):",
        *_matrix(agreement, Status.ACTUAL),
    ]
    for status in agreement.sharing.overrides:
        lines += [f"sharing of {status} traffic:", *_matrix(agreement, status)]
    lines.append("areas of responsibility:")
    lines += [
        f"  {a.partner_id:<8} {a.name} ({_count(len(a.polygons), 'polygon')})"
        for a in agreement.areas
    ] or [_NONE]
    lines.append("capabilities:")
    lines += [
        f"  {c.partner_id:<8} {c.name}: {', '.join(sorted(c.threat_classes))} within "
        f"{c.range_km:g} km{'' if c.available else ', not available'}"
        for c in agreement.capabilities
    ] or [_NONE]
    lines.append("response rules (the first that matches applies):")
    lines += [f"  {rule.name}: {_rule_terms(rule)}" for rule in agreement.rules] or [
        "  (none declared: capable partners, 60 s to answer)"
    ]
    return lines


def _rule_terms(rule: ResponseRule) -> str:
    terms = [
        ", ".join(sorted(rule.threat_classes)) or "every threat",
        f"{', '.join(sorted(rule.statuses))} traffic" if rule.statuses else "all traffic",
        f"{rule.request_timeout.total_seconds():g} s to answer",
    ]
    if not rule.require_capability:
        terms.append("incapable partners asked last")
    if rule.require_area:
        terms.append("only partners whose area the threat enters")
    return "; ".join(terms)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _matrix(agreement: Agreement, status: Status) -> list[str]:
    parties = agreement.parties
    width = max(len(_CELL[level]) for level in Level) + 1
    lines = ["  " + " " * 8 + "".join(f"{p:>{width}}" for p in parties)]
    for source in parties:
        cells = (_CELL[agreement.sharing.cell(source, r, status)] for r in parties)
        lines.append(f"  {source:<8}" + "".join(f"{cell:>{width}}" for cell in cells))
    return lines


def _load(file: Path) -> Agreement:
    try:
        coalition = load_coalition(file)
    except CoalitionError as exc:
        count = len(exc.problems)
        typer.echo(f"{file}: {count} problem{'s' if count != 1 else ''}", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from exc
    if coalition.agreement is None:
        typer.echo(f"{file}: declares no agreement", err=True)
        raise typer.Exit(1)
    return coalition.agreement
