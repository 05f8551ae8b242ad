"""Allow ``python -m <package>`` to run the command-line interface."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while the command loads: it has written nothing yet
    command = sys.argv[1] if len(sys.argv) > 1 else "the command"
    print(f"interrupted: {command} stopped before it started (no file written)", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
