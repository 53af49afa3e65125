"""CML job: install the project with its extras into the session's Python (runs at launch)."""

import subprocess
import sys

subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", ".[tune,explore]"],
               check=True)  # fmt: skip
