import sys

from mistral_lite.cli import main

sys.exit(main())
