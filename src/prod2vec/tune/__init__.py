"""Hyperparameter search for Word2Vec with Ray Tune: the ``tune`` stage (notebook 04).

- :mod:`~prod2vec.tune.space`: the original tutorial's grid, and a random space over the same
  ranges plus subsampling, epochs and the scoring choice
- :mod:`~prod2vec.tune.trainable`: one trial, reporting validation metrics after every epoch
- :mod:`~prod2vec.tune.sweep`: running, resuming and tabulating a sweep, locally or on a Ray
  cluster; a sweep that did not finish every trial says so and writes nothing final
- :mod:`~prod2vec.tune.connect`: a local Ray, a cluster's ``host:port`` from one of its nodes,
  or Ray Client (``ray://``) from anywhere, checked in seconds before anything runs
- :mod:`~prod2vec.tune.finalists`: the best trials trained again on more Word2Vec seeds,
  chosen on their mean validation curve
- :mod:`~prod2vec.tune.analysis`: what a sweep teaches: ASHA's savings, the budget view
- :mod:`~prod2vec.tune.cml_cluster`: a Ray cluster on Cloudera Machine Learning workers

Needs the ``tune`` extra (Ray Tune and Optuna): ``pip install 'prod2vec[tune]'``, which
``make setup`` installs. The core package never imports this subpackage.
"""

from prod2vec.extras import require

require("tune", "ray.tune", "optuna")
