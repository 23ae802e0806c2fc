"""The ``saypro`` console entry point."""

from __future__ import annotations

import click

from saypro.platform.cli import lifecycle as _lifecycle  # noqa: F401 - adds tenant commands
from saypro.platform.cli.admin import tenant, user
from saypro.platform.cli.audit import audit
from saypro.platform.cli.db import db
from saypro.platform.cli.processes import demo, scheduler, serve, worker
from saypro.platform.modules import load_modules


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """SayPro Municipal Platform."""


for command in (serve, worker, scheduler, demo, db, tenant, user, audit):
    cli.add_command(command)
for module in load_modules():
    for command in module.cli_commands:
        cli.add_command(command)
