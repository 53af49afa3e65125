"""``python -m prod2vec``: see :mod:`prod2vec.cli`."""

import sys

from prod2vec.cli import main

sys.exit(main())
