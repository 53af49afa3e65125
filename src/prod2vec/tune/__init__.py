"""Hyperparameter search with Ray Tune: the ``tune`` stage (notebook 04).

Needs the ``tune`` extra (Ray Tune and Optuna): ``pip install 'prod2vec[tune]'``, which
``make setup`` installs. The core package never imports this subpackage.
"""

from prod2vec.extras import require

require("tune", "ray.tune", "optuna")
