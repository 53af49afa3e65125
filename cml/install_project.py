"""CML job: install the project and its extras tune, explore and app (runs at launch)."""

import subprocess
import sys

subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", ".[tune,explore,app]"],
               check=True)  # fmt: skip
