"""What every verb group of the command line shares."""

from __future__ import annotations

import json


def print_json(obj: object) -> None:
    """Print ``obj`` as indented JSON (numbers and paths as JSON can hold them)."""
    print(json.dumps(obj, indent=2, sort_keys=False, default=str))
