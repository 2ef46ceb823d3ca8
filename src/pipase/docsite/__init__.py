"""`pipase docs`: the French site for the steering committee and the DPO, from a run record.

The command (argument parsing and console output) is :mod:`pipase.docsite.command`; the site
itself :mod:`pipase.docsite.build`.
"""

from pipase.docsite.command import add_arguments, description, run

__all__ = ["add_arguments", "description", "run"]
