import sys

from steeldefect.cli.main import main

sys.exit(main())
