"""`python -m ndt_cli ...` is `ndt-customer ...` (tests start the CLI this way)."""

import sys

from ndt_cli.main import main

sys.exit(main())
